"""The nearest-word lookup behind "Bedoelde u" and typo alternatives."""

from indexer.engine.spelling_lookup import SpellingVocabulary


def test_finds_words_within_the_distance_only():
    vocab = SpellingVocabulary(["onderwijs", "onderwerp", "ondersteuning", "leerling", "leerlingen", "passend"])
    near = dict(vocab.near("ondewijs", 1))
    assert near == {"onderwijs": 1}
    near2 = dict(vocab.near("ondewijs", 2))
    assert near2["onderwijs"] == 1 and "ondersteuning" not in near2


def test_a_swap_of_neighbours_is_one_edit_and_the_word_itself_is_not_offered():
    vocab = SpellingVocabulary(["passend", "leerling"])
    assert vocab.near("psasend", 1) == [("passend", 1)]
    assert vocab.near("passend", 2) == []


def test_length_buckets_reach_insertions_and_deletions():
    vocab = SpellingVocabulary(["zorgplicht", "zorgplichten", "zorgplich", "zorg"])
    found = dict(vocab.near("zorgplict", 2))
    assert found == {"zorgplicht": 1, "zorgplich": 1}  # one letter short, one letter wrong
    assert dict(vocab.near("zorgplichte", 2)) == {"zorgplicht": 1, "zorgplichten": 1, "zorgplich": 2}
    assert len(vocab) == 4
