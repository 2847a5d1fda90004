"""The zone of tolerance of the three-column format (Zeithaml, Berry & Parasuraman, 1993)."""

from __future__ import annotations

import numpy as np

from servqual.analysis._results import ZoneShares


def zone_of_tolerance(minimum: np.ndarray, desired: np.ndarray, perceived: np.ndarray) -> ZoneShares:
    """Shares of respondents whose perception lies below the minimum, inside the zone
    (minimum <= P <= desired) or above the desired level, over respondents with all three."""
    return zone_shares(zone_counts(minimum, desired, perceived))


def zone_counts(minimum: np.ndarray, desired: np.ndarray, perceived: np.ndarray) -> np.ndarray:
    """Respondents with all three, and how many lie below, inside and above the zone;
    per column for matrices (rows: n, below, inside, above)."""
    both = ~np.isnan(minimum) & ~np.isnan(desired) & ~np.isnan(perceived)
    below = both & (perceived < minimum)
    above = both & (perceived > desired) & ~below  # a desired level under the minimum must not count twice
    return np.stack([both.sum(axis=0), below.sum(axis=0), (both & ~below & ~above).sum(axis=0), above.sum(axis=0)])


def zone_shares(counts: np.ndarray) -> ZoneShares:
    """The shares of one column of :func:`zone_counts`."""
    n = int(counts[0])
    if n == 0:
        return ZoneShares(n=0, below=float("nan"), inside=float("nan"), above=float("nan"))
    return ZoneShares(n=n, below=float(counts[1] / n), inside=float(counts[2] / n), above=float(counts[3] / n))
