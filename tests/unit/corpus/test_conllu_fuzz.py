"""Any input to the CoNLL-U reader ends in sentences or a clear HeadAtlasError, never a crash."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.corpus.conllu import read_conllu
from generator.errors import HeadAtlasError

CELL = st.sampled_from(["1", "2", "3", "0", "-1", "x", "_", "1-2", "2.1", "nsubj", "Entity=(1)",
                        "", " ", "A=B|C", "\u00e9"])
LINE = st.one_of(
    st.lists(CELL, min_size=1, max_size=12).map("\t".join),
    st.sampled_from(["", "# newdoc id = d", "# sent_id = 1", "# text = a b", "#"]),
    st.text(max_size=20),
)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(LINE, max_size=25), tail=st.binary(max_size=4))
def test_reader_never_crashes(tmp_path, lines, tail):
    f = tmp_path / "fuzz.conllu"
    f.write_bytes("\n".join(lines).encode("utf-8", "surrogatepass") + tail)
    try:
        sentences = read_conllu(f)
    except HeadAtlasError as exc:
        assert str(exc).startswith(str(f))
        assert "\n" not in str(exc)
        return
    for s in sentences:
        assert len(s.words) >= 1
        assert sum(1 for w in s.words if w.head == -1) == 1
        assert all(-1 <= w.head < len(s.words) for w in s.words)
