from __future__ import annotations

import re

import pytest

from servqual import ServqualError, builtin_instruments, load_instrument
from servqual.instruments import instrument_from_text

DIMENSIONS = ["tangibles", "reliability", "responsiveness", "assurance", "empathy"]
#: Item numbers per dimension in the 22-item instrument (Parasuraman et al., 1988, 1991).
ITEMS = {
    "tangibles": [1, 2, 3, 4],
    "reliability": [5, 6, 7, 8, 9],
    "responsiveness": [10, 11, 12, 13],
    "assurance": [14, 15, 16, 17],
    "empathy": [18, 19, 20, 21, 22],
}


CUSTOMERS = ("servperf", "servqual-22", "servqual-22-1988", "servqual-3col")


def test_it_ships_four_customer_instruments_and_one_each_for_managers_and_employees():
    assert builtin_instruments() == (*CUSTOMERS, "servqual-employees", "servqual-managers")
    assert builtin_instruments("customer") == CUSTOMERS
    assert builtin_instruments("manager") == ("servqual-managers",)
    assert builtin_instruments("employee") == ("servqual-employees",)


@pytest.mark.parametrize("name", [*CUSTOMERS, "servqual-managers", "servqual-employees"])
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


# --- based_on, and files that would break the reader ---------------------------------------

BASED = 'key = "mine"\nbased_on = "{base}"\n'


def based_on(tmp_path, base: str):
    """Load a file in a folder of its own whose based_on names ``base``."""
    folder = tmp_path / "instruments"
    folder.mkdir(exist_ok=True)
    path = folder / "mine.toml"
    path.write_text(BASED.format(base=base), encoding="utf-8")
    return load_instrument(path)


def test_based_on_may_name_a_file_in_the_folder_of_the_file_or_below(tmp_path):
    (tmp_path / "instruments" / "shared").mkdir(parents=True)
    (tmp_path / "instruments" / "base.toml").write_text(CUSTOM, encoding="utf-8")
    (tmp_path / "instruments" / "shared" / "base.toml").write_text(CUSTOM, encoding="utf-8")
    assert based_on(tmp_path, "base.toml").columns("perception") == ["P1", "P2"]
    assert based_on(tmp_path, "shared/base.toml").key == "mine"
    assert based_on(tmp_path, "servqual-22").key == "mine"


def test_based_on_may_not_leave_the_folder_and_does_not_tell_what_is_there(tmp_path):
    """Outside its folder, based_on gets one answer, whether or not the file exists: the
    message must not let anyone probe the machine's files (issue 12)."""
    (tmp_path / "outside.toml").write_text(CUSTOM, encoding="utf-8")
    messages = set()
    for base in [
        "../outside.toml",
        "../missing.toml",
        str(tmp_path / "outside.toml"),
        str(tmp_path / "missing.toml"),
        "/etc/passwd",
        "/etc/no-such-file",
        "shared/../../outside.toml",
    ]:
        with pytest.raises(ServqualError) as caught:
            based_on(tmp_path, base)
        assert caught.value.message_id == (
            "{file}: based_on {base!r} must be a built-in instrument or a file in the folder of {file} (or below it)"
        )
        messages.add(str(caught.value).replace(repr(base), "BASE"))
    assert messages == {
        "mine.toml: based_on BASE must be a built-in instrument or a file in the folder of mine.toml (or below it)"
    }


def test_based_on_that_is_not_a_text_is_refused(tmp_path):
    folder = tmp_path / "instruments"
    folder.mkdir()
    (folder / "mine.toml").write_text('key = "mine"\nbased_on = 3\n', encoding="utf-8")
    with pytest.raises(ServqualError, match=r"mine\.toml: based_on 3 must be a built-in instrument"):
        load_instrument(folder / "mine.toml")


def test_an_instrument_given_as_text_is_based_only_on_a_built_in():
    """An upload has no folder: based_on may name a built-in instrument, never a file."""
    assert instrument_from_text('key = "mine"\nbased_on = "servperf"\n', "mine.toml").sections == ("perception",)
    for base in ["servqual-22.toml", "/etc/passwd", "../../etc/hostname", "mine.toml"]:
        with pytest.raises(ServqualError) as caught:
            instrument_from_text(BASED.format(base=base), "upload.toml")
        assert str(caught.value) == (
            f"upload.toml: based_on {base!r} is not a built-in instrument; an uploaded instrument file may be "
            "based only on one of servperf, servqual-22, servqual-22-1988, servqual-3col, servqual-employees, "
            "servqual-managers"
        )


#: Files that once broke the TOML reader or the messages about them (issue 12), each a valid
#: instrument but for one thing.
NESTED = "lists or tables are nested more than 32 levels deep"
TOO_LARGE = "a number has more than 18 digits"
HOSTILE = {
    "nested lists": (CUSTOM + "reference = " + "[" * 100_000 + "]" * 100_000, NESTED),
    "nested tables": (CUSTOM + "reference = " + "{a = " * 2_000 + "1" + "}" * 2_000, NESTED),
    "a deep table name": (CUSTOM + '[scale.anchors.en."1"' + ".x" * 100_000 + "]", NESTED),
    "a deep dotted key": (CUSTOM.replace('key = "mini"', 'key = "mini"\nreference' + ".x" * 100_000 + " = 1"), NESTED),
    "a 100,001-digit number": (CUSTOM.replace("max = 5", "max = " + "1" * 100_001), TOO_LARGE),
    "a huge hexadecimal number": (CUSTOM.replace("max = 5", "max = 0x" + "f" * 5_000), TOO_LARGE),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_file_that_would_break_the_toml_reader_is_refused_by_name(tmp_path, case):
    text, problem = HOSTILE[case]
    path = tmp_path / "hostile.toml"
    path.write_text(text, encoding="utf-8")
    for load in (lambda: load_instrument(path), lambda: instrument_from_text(text, "hostile.toml")):
        with pytest.raises(ServqualError) as caught:
            load()
        assert str(caught.value) == f"hostile.toml: {problem}"
