from gdcomply.cli import main

main()
