from nerdistill.cli import main

main()
