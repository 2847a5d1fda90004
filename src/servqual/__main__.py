from servqual.cli import main

raise SystemExit(main())
