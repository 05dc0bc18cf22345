"""Any input to the Entity= and CoNLL-2012 readers ends in a result or a clear error."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.corpus.conll2012 import read_conll2012
from generator.corpus.entities import read_entity_conllu
from generator.errors import HeadAtlasError

FUZZ = settings(max_examples=200, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

ENTITY = st.sampled_from(["_", "Entity=(1-person", "Entity=1)", "Entity=(2-thing)",
                          "Entity=(3-x(4-y", "Entity=4)3)", "Entity=(5[1/2]-z)", "Entity=)",
                          "Entity=(", "Entity=(1-a)(1-b)", "SpaceAfter=No|Entity=(9-q)"])
HEAD = st.sampled_from(["0", "1", "2", "3", "x"])


@st.composite
def conllu_sentence(draw):
    n = draw(st.integers(min_value=1, max_value=5))
    lines = [f"{i}\tw{i}\tw\tNOUN\tNN\t_\t{draw(HEAD) if i > 1 else '0'}\tdep\t_\t{draw(ENTITY)}"
             for i in range(1, n + 1)]
    return "\n".join(lines) + "\n"


def check(path, call):
    try:
        call()
    except HeadAtlasError as exc:
        assert str(exc).startswith(str(path)) and "\n" not in str(exc)


@FUZZ
@given(sentences=st.lists(conllu_sentence(), max_size=4), newdoc=st.booleans())
def test_entity_reader_never_crashes(tmp_path, sentences, newdoc):
    f = tmp_path / "fuzz.conllu"
    f.write_text(("# newdoc id = d\n" if newdoc else "") + "\n".join(sentences))
    check(f, lambda: read_entity_conllu(f))


CELL = st.sampled_from(["(1)", "(1", "1)", "-", "(2|(3)", "2)|(4", "(x)", "()", "|", "(5)|5)"])


@st.composite
def conll2012_file(draw):
    rows = []
    if draw(st.booleans()):
        rows.append("#begin document (d); part 000")
    for k in range(draw(st.integers(min_value=0, max_value=6))):
        cols = draw(st.integers(min_value=3, max_value=12))
        rows.append(" ".join(["d", "0", str(k), "word", "NN"] + ["-"] * max(0, cols - 6)
                             + [draw(CELL)]))
        if draw(st.booleans()):
            rows.append("")
    if draw(st.booleans()):
        rows.append("#end document")
    return "\n".join(rows) + "\n"


def no_parse(words, xpos):
    """A stand-in parser: a flat tree headed by the first word."""
    return [(-1 if i == 0 else 0, "dep", {}) for i in range(len(words))]


@FUZZ
@given(text=conll2012_file())
def test_conll2012_reader_never_crashes(tmp_path, text):
    f = tmp_path / "fuzz_conll"
    f.write_text(text)
    check(f, lambda: read_conll2012(f, no_parse))
