"""scikit-learn's own estimator checks (sklearn.utils.estimator_checks), every one of them, on
lograd.LogisticRegression: the default (binary / multinomial) and one-vs-rest."""
import unittest
import warnings

import pytest
from sklearn.exceptions import SkipTestWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

import lograd


@parametrize_with_checks([lograd.LogisticRegression(),
                          lograd.LogisticRegression(multi_class="ovr")])
def test_sklearn_check(estimator, check):
    with warnings.catch_warnings():
        # A check that skips itself says why with SkipTestWarning or SkipTest: fail instead,
        # so no check is skipped silently.
        warnings.simplefilter("error", SkipTestWarning)
        try:
            check(estimator)
        except unittest.SkipTest as e:  # e.g. pandas missing: scripts/install-deps.sh has it
            pytest.fail(f"scikit-learn skipped this check: {e}")
