"""Reports of run folders (Markdown, JSON, plots), comparisons of several runs, differences paired by seed,
and the paper's published figures. Imports the layers before it."""
