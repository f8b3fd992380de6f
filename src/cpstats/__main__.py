from cpstats.cli import main

raise SystemExit(main())
