from rave.cli import main

main()
