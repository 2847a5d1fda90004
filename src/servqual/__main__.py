from servqual.cli import run

run()
