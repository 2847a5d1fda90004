"""Read a survey file, check what was read, and compute the gap scores.

Run it from the repository root:

    .venv/bin/python docs/examples/api_example.py

It reads tests/fixtures/dutch_excel.csv, a Dutch Excel export (semicolon, decimal comma).
"""

import json

import pandas as pd

import servqual

# 1. Read and validate a file. The format, encoding and delimiter are detected.
responses = servqual.read_responses("tests/fixtures/dutch_excel.csv", instrument="servqual-22")

report = responses.report
print("format:", report.file_format)
print("rows read / used / excluded:", report.rows_read, report.rows_used, report.rows_excluded)
print("answers given / expected:", report.answers_given, report.answers_expected)
for issue in report.issues:  # each problem names the file, row and column
    print("problem:", issue)

# 2. The response set: raw answers as numpy arrays, one row per respondent.
perception = responses.answers["perception"]
print("perception matrix:", perception.shape)  # (respondents, items)
print("first respondent id and source row:", responses.respondent_ids[0], responses.row_numbers[0])
print("attributes:", responses.attributes.columns)
print("branches:", sorted(responses.attributes["branch"].unique().to_list()))

# 3. Scores per dimension and per item. Gap = P - E; below zero, the service falls short.
result = servqual.analyze(responses)
for key, dimension in result.dimensions.items():
    gap = dimension.scores["gap"]
    print(f"{key:<15} gap mean {gap.mean:+.2f}  (sd {gap.sd:.2f}, n {gap.n})")

worst = min(result.items, key=lambda item: item.scores["gap"].mean)
print("largest negative item gap: item", worst.item, round(worst.scores["gap"].mean, 2))

# 4. The same numbers as JSON-ready data (NaN must become null before json.dumps).
data = result.to_dict()
print("keys:", sorted(data))

# 5. A pandas DataFrame in the canonical layout works as well as a file.
frame = responses.to_frame()
again = servqual.read_responses(frame, instrument="servqual-22")
print("from a DataFrame:", again.report.file_format, again.report.rows_used, "rows")
assert (
    servqual.analyze(again).dimensions["reliability"].scores["gap"].mean
    == result.dimensions["reliability"].scores["gap"].mean
)

# 6. Problems that make a file unusable raise ServqualError with a one-line message.
try:
    servqual.read_responses(pd.DataFrame({"E1": [5], "P1": [4]}), instrument="servqual-22")
except servqual.ServqualError as error:
    print("error:", error)

print(json.dumps(data["dimensions"]["tangibles"]["gap"], indent=2))
