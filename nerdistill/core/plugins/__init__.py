"""The plugin host: the hook specifications (``hookspecs``), the manager that loads built-ins and third-party
plugins and reports those that fail (``manager``), and the named registries built from them
(``registry``). Imports only core's first layer."""
