from incidentctl.cli import main

main()
