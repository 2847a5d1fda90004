from servqual.cli import run

# Guarded: a child process started with "spawn" (the SPSS reader's) imports this module again.
if __name__ == "__main__":
    run()
