from __future__ import annotations

import re

import pytest

from servqual import ServqualError, builtin_instruments, load_instrument

DIMENSIONS = ["tangibles", "reliability", "responsiveness", "assurance", "empathy"]
#: Item numbers per dimension in the 22-item instrument (Parasuraman et al., 1988, 1991).
ITEMS = {
    "tangibles": [1, 2, 3, 4],
    "reliability": [5, 6, 7, 8, 9],
    "responsiveness": [10, 11, 12, 13],
    "assurance": [14, 15, 16, 17],
    "empathy": [18, 19, 20, 21, 22],
}


def test_it_ships_the_four_instruments():
    assert builtin_instruments() == ("servperf", "servqual-22", "servqual-22-1988", "servqual-3col")


@pytest.mark.parametrize("name", ["servperf", "servqual-22", "servqual-22-1988", "servqual-3col"])
def test_every_builtin_has_22_items_in_five_dimensions_in_dutch_and_english(name):
    instrument = load_instrument(name)
    assert instrument.key == name
    assert instrument.dimension_keys == DIMENSIONS
    assert [d.importance_column for d in instrument.dimensions] == ["W_TAN", "W_REL", "W_RES", "W_ASS", "W_EMP"]
    for key, numbers in ITEMS.items():
        assert [instrument.items[p].number for p in instrument.item_positions(key)] == numbers
    for item in instrument.items:
        for section in instrument.sections:
            assert set(item.texts[section]) == {"en", "nl"}
            for text in item.texts[section].values():
                assert re.findall(r"\{[^}]*\}", text) in ([], ["{service}"], ["{service}", "{service}"])
    for section in instrument.sections:
        assert set(instrument.prompts[section]) == {"en", "nl"}
    assert set(instrument.name) == set(instrument.description) == {"en", "nl"}


def test_the_1991_and_1988_wordings_differ_in_polarity_and_scale_stays_seven_points():
    assert load_instrument("servqual-22").reverse_positions == []
    old = load_instrument("servqual-22-1988")
    assert [old.items[p].number for p in old.reverse_positions] == [10, 11, 12, 13, 18, 19, 20, 21, 22]
    assert (old.scale.min, old.scale.max) == (1, 7)


def test_the_three_column_format_asks_minimum_desired_and_perceived_on_nine_points():
    three = load_instrument("servqual-3col")
    assert three.sections == ("minimum", "expectation", "perception")
    assert (three.scale.min, three.scale.max) == (1, 9)
    assert three.columns("minimum")[:2] == ["M1", "M2"]


def test_servperf_inherits_the_perception_items_of_servqual_22():
    perf, full = load_instrument("servperf"), load_instrument("servqual-22")
    assert perf.sections == ("perception",)
    assert [i.texts["perception"] for i in perf.items] == [i.texts["perception"] for i in full.items]


def test_it_fills_in_the_service_name():
    item = load_instrument("servqual-22").items[0]
    assert "Gemeente Utrecht" in item.text("perception", "nl", "Gemeente Utrecht")
    assert "{service}" not in item.text("perception", "en", "Acme")


CUSTOM = """
key = "mini"
sections = ["expectation", "perception"]

[scale]
min = 1
max = 5

[[dimensions]]
key = "speed"
code = "SPD"
name = { en = "Speed", nl = "Snelheid" }

[[dimensions]]
key = "care"
code = "CAR"
name = { en = "Care" }

[[items]]
number = 1
dimension = "speed"
text = { en = "Quick answers from {service}", nl = "Snelle antwoorden van {service}" }

[[items]]
number = 2
dimension = "care"
text = { en = "Friendly staff" }
"""


def test_it_loads_a_custom_instrument_file(tmp_path):
    path = tmp_path / "mini.toml"
    path.write_text(CUSTOM, encoding="utf-8")
    mini = load_instrument(path)
    assert mini.columns("perception") == ["P1", "P2"]
    assert mini.items[1].text("expectation", "nl") == "Friendly staff"  # falls back to English
    assert not mini.importance


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('dimension = "care"', 'dimension = "price"'), "item 2 has an unknown dimension 'price'"),
        (("number = 2", "number = 1"), "item numbers must be unique"),
        (("{service}", "{company}"), "uses {company}; the only placeholder is {service}"),
        (("max = 5", "max = 1"), "the scale needs whole numbers min < max"),
        (('sections = ["expectation", "perception"]', 'sections = ["wishes"]'), "sections must be one or more"),
        (('key = "mini"', 'key = "mini'), "not a valid instrument file"),
    ],
)
def test_it_refuses_a_broken_instrument_naming_the_file_and_the_fault(tmp_path, change, message):
    path = tmp_path / "broken.toml"
    path.write_text(CUSTOM.replace(*change), encoding="utf-8")
    with pytest.raises(ServqualError) as caught:
        load_instrument(path)
    assert str(caught.value).startswith("broken.toml: ")
    assert message in str(caught.value)


def test_it_names_the_builtins_when_the_instrument_is_unknown():
    with pytest.raises(ServqualError, match="not a built-in \\(servperf, servqual-22"):
        load_instrument("servqual-99")


def test_it_refuses_unknown_fields_so_typos_do_not_pass_silently(tmp_path):
    path = tmp_path / "typo.toml"
    path.write_text(CUSTOM.replace('key = "mini"', 'key = "mini"\nimportanse = true'), encoding="utf-8")
    with pytest.raises(ServqualError, match=r"typo\.toml: unknown field 'importanse'"):
        load_instrument(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('dimension = "care"', 'dimension = "care"\nrevers = true'), "item 2 has an unknown field 'revers'"),
        (('dimension = "care"', 'dimension = "care"\nreverse = "false"'), "item 2: reverse must be true or false"),
        (("max = 5", "max = 5\npoints = 5"), "scale has an unknown field 'points'"),
        (('code = "SPD"', 'code = "SPD"\nlabel = "x"'), "dimension has an unknown field 'label'"),
    ],
)
def test_it_refuses_typos_inside_tables(tmp_path, change, message):
    path = tmp_path / "typo.toml"
    path.write_text(CUSTOM.replace(*change), encoding="utf-8")
    with pytest.raises(ServqualError) as caught:
        load_instrument(path)
    assert message in str(caught.value)
