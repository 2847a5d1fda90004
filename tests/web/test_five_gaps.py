"""All five gaps on the web (issue 14): the diagnosis of a wave from the customers',
managers' and employees' responses in its results, on the results page, in the API and in
the exports; the study's customer processes."""

from __future__ import annotations

import re

from staff import staff
from synthetic import fill

from servqual.web.dashboards.results import wave_diagnosis


def test_smoke(client, people, wave):
    fill(wave, 60)
    staff(wave, "employee", {"Utrecht": 6, "Zwolle": 5})
    staff(wave, "manager", {"Utrecht": 5}, seed=2)
    d = wave_diagnosis(wave)
    assert d is not None
    print(d.to_dict().keys(), [p.process.key for p in d.processes])
    client.force_login(people["mona"])
    html = client.get(f"/waves/{wave.pk}/results/analysis/").content.decode()
    assert '<section id="gaps">' in html
    m = client.get(f"/waves/{wave.pk}/results/").content.decode()
    print(re.findall(r'<section id="(\w+)">', m))


def test_exports_smoke(client, people, wave):
    import io, zipfile
    fill(wave, 60)
    staff(wave, "employee", {"Utrecht": 6, "Zwolle": 5, None: 2})
    staff(wave, "manager", {"Utrecht": 5}, seed=2)
    client.force_login(people["alice"])
    for name in ("export-csv.zip", "export-sav.zip", "export.xlsx"):
        r = client.get(f"/waves/{wave.pk}/results/{name}")
        body = b"".join(r.streaming_content) if r.streaming else r.content
        if name.endswith("zip"):
            z = zipfile.ZipFile(io.BytesIO(body))
            print(name, z.namelist())
            if "csv" in name:
                print(z.read("gaps.csv").decode()[:800])
                print([l.split(",")[0] for l in z.read("employee_responses.csv").decode().splitlines()])
        else:
            import openpyxl
            print(openpyxl.load_workbook(io.BytesIO(body)).sheetnames)
