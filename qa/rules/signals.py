"""The names the rules, the candidates' features and the calibration share: every signal the rules give a span, and
every reason they give for not answering. One list each, so a signal the rules add reaches the ranker by its name."""
from __future__ import annotations

import math
from enum import StrEnum


class Signal(StrEnum):
    """A span's signals (``Span.signals``) and the best span's own (``RuleOutcome.signals``)."""

    # measured, 0..1, and summed into a span's base score by ``SCORE_WEIGHTS``
    CLAUSE = "clause"  # the key terms stand in the span's clause, or a clause or two before it
    NEAR = "near"  # how close they stand
    SLOT = "slot"  # the span fills the question word's place
    SENTENCE = "sentence"  # the key terms anywhere in the sentence and its context
    SIMILARITY = "similarity"  # the sentence's embedding against the question's
    RETRIEVAL = "retrieval"  # the best passage holding it, against the top one
    # measured, 0..1, and multiplied in
    PERIOD = "period"  # the sentence speaks for the year and stance asked
    FIT = "fit"  # the span's kind and unit fit what was asked
    ANCHOR = "anchor"  # the question's two most specific terms stand with it
    GAP = "gap"  # the heaviest key term nowhere near
    HEAD = "head"  # the nouns naming what is counted missing from its clause
    # flags (1.0 when set): the best span found but not an answer, the rules say why
    TITLED = "titled"  # a person's name stands after a title
    CONTRARY = "contrary"  # the figure measures the contrary or another sector
    COMBINED = "combined"  # the figure adds up several kinds, or counts the whole
    ADDED = "added"  # a total asked, what was added printed
    # factors: the multiplier a rule applied to the span's score (absent: 1)
    X_SLOT = "x_slot"  # a name or list standing where the question word stands
    X_FIT_OVER = "x_fit_over"  # the unit asked, printed
    X_HEAD_NEAR = "x_head_near"  # what is counted named only a clause before
    X_REMEMBERED = "x_remembered"  # holds the part of the name the asker remembers
    X_FULL_NAME = "x_full_name"  # 全称: the longer, the better
    X_NOVELTY = "x_novelty"  # says something the question does not
    X_ECHO = "x_echo"  # the question's own words
    X_SHAPE = "x_shape"  # a name's ending against the kind asked
    X_EXCLUDED = "x_excluded"  # holds what a 除了X question leaves out
    X_COPULA = "x_copula"  # the subject of a predicate the question describes
    X_FULLER = "x_fuller"  # of two names equally placed, the fuller one
    X_TITLED = "x_titled"  # a person asked: a name after a title
    X_ROLE_LIST = "x_role_list"  # one person asked, an enumeration found
    X_NTH = "x_nth"  # the item in the place asked
    X_CATEGORY = "x_category"  # a name ending with (or followed by) the category asked
    X_BODY = "x_body"  # a name of the kind of body asked
    X_COMPOUND_HEAD = "x_compound_head"  # a compound ending in the head of the kind asked
    X_ITEMS = "x_items"  # an enumeration of as many items as asked
    X_COUNTED = "x_counted"  # the report counts the enumeration itself
    X_QUOTED = "x_quoted"  # a name the report coins in quotes
    X_OWN_FIGURE = "x_own_figure"  # the question's own figure
    X_YEAR_ONLY = "x_year_only"  # 哪一年: the year, not the full date
    X_PART = "x_part"  # a part (其中…) when the whole is asked
    X_SHARE_CHANGE = "x_share_change"  # a share against a change, as the question's word says
    X_WORD_COUNT = "x_word_count"  # a count in words not asked in that measure
    # the best span among the others (``RuleAnswerer``)
    SCORE = "score"
    MISSING = "missing"  # the share of the key-term weight no report holds
    MARGIN = "margin"  # its score over the best other text's
    NUMERIC = "numeric"  # a figure was asked


# what a span's signals are made of, by kind; every one reaches the ranker as a candidate feature
MEASURED = (Signal.CLAUSE, Signal.NEAR, Signal.SLOT, Signal.SENTENCE, Signal.SIMILARITY, Signal.RETRIEVAL,
            Signal.PERIOD, Signal.FIT, Signal.ANCHOR, Signal.GAP, Signal.HEAD)
FLAGS = (Signal.TITLED, Signal.CONTRARY, Signal.COMBINED, Signal.ADDED)
FACTORS = tuple(s for s in Signal if s.startswith("x_"))
SPAN_SIGNALS = MEASURED + FLAGS + FACTORS
_FACTOR_SET = frozenset(FACTORS)

# How much each measured signal counts in a span's base score (they sum to 1); set on the dev split.
SCORE_WEIGHTS = {Signal.CLAUSE: 0.3, Signal.NEAR: 0.15, Signal.SLOT: 0.1, Signal.SENTENCE: 0.15, Signal.SIMILARITY: 0.15, Signal.RETRIEVAL: 0.15}


def feature_value(signals: dict, signal: Signal) -> float:
    """A signal as a feature: a factor as its logarithm (0 when not applied), anything else as it is (0 when absent)."""
    if signal in _FACTOR_SET:
        return math.log(float(signals.get(signal, 1.0)))
    return float(signals.get(signal, 0.0))


class Reason(StrEnum):
    """Why the rules would not answer (``RuleOutcome.reason_kind``); each is a feature of the question for the ranker."""

    NO_TERMS = "no_terms"  # nothing the question asks about is in the reports
    NOTHING = "nothing"  # no span of the kind asked
    OTHER_YEAR = "other_year"  # only for another year than asked
    PERSON = "person"  # a person asked, no name after a title
    ADDED = "added"  # a total asked, only what was added printed
    MEMBERS = "members"  # members asked by name, only counted
    ACTUAL = "actual"  # an outcome asked, only a plan printed
    SUPERLATIVE = "superlative"  # a superlative the reports do not make
    CONTRARY = "contrary"  # only the contrary measure printed
    COMBINED = "combined"  # only a sum printed
    FIT = "fit"  # only in another measure than asked
    UNSURE = "unsure"  # the rules' confidence below their threshold
    OUT_OF_SCOPE = "out_of_scope"  # refused before reading: chit-chat, another district, a year not covered


# the reasons the ranker weighs (a refusal before reading never reaches it)
RANKED_REASONS = tuple(r for r in Reason if r is not Reason.OUT_OF_SCOPE)
