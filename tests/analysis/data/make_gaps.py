"""Write managers40.csv and employees150.csv: a synthetic management and employee survey
(servqual-managers, servqual-employees) beside the customers of study300.csv, generated
by servqual.io.synthetic, with gap 3 planted in Rotterdam (low teamwork and perceived
control). tests/analysis/reference.R pins gaps 1-4 and the mirror to R on them.

    .venv/bin/python tests/analysis/data/make_gaps.py
"""

from pathlib import Path

from servqual.io.synthetic import generate_study, write_csv

HERE = Path(__file__).parent


def main() -> None:
    write_csv(generate_study(40, "servqual-managers", seed=14, missing_rate=0.03), HERE / "managers40.csv")
    write_csv(generate_study(150, "servqual-employees", seed=15, missing_rate=0.03), HERE / "employees150.csv")


if __name__ == "__main__":
    main()
