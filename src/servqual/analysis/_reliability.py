"""Reliability of a set of items: Cronbach's alpha with Feldt's interval, alpha if an
item is dropped, corrected item-total correlations, and the reliability of a
difference score.

Everything follows from the pairwise-complete covariance matrix, computed here from
sums and cross-products of the answer matrix: the statistics the design keeps mergeable
across partitions of a large file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from servqual.analysis._results import Reliability


@dataclass(frozen=True)
class PairwiseMoments:
    """Sums and cross-products behind pairwise-complete covariances and correlations.

    Computed in one pass over an answer matrix; moments of separate parts of a file
    add up (``a + b``) to those of the whole.
    """

    #: [i, j]: rows where items i and j are both present
    n: np.ndarray
    #: [i, j]: sum of item i over the rows where j is present
    sums: np.ndarray
    #: [i, j]: sum of item i squared over the rows where j is present
    squares: np.ndarray
    #: [i, j]: sum of x_i * x_j over the rows where both are present
    cross: np.ndarray

    @classmethod
    def of(cls, items: np.ndarray, chunk: int = 65_536) -> PairwiseMoments:
        """Moments of an answer matrix, summed over blocks of rows: the temporaries stay
        small (and in cache) however many respondents there are."""
        k = items.shape[1]
        n, sums, squares, cross = (np.zeros((k, k)) for _ in range(4))
        for start in range(0, items.shape[0], chunk):
            block = items[start : start + chunk]
            present = ~np.isnan(block)
            filled = np.where(present, block, 0.0)
            weights = present.astype(np.float64)
            n += weights.T @ weights
            sums += filled.T @ weights
            squares += (filled * filled).T @ weights
            cross += filled.T @ filled
        return cls(n, sums, squares, cross)

    def __add__(self, other: PairwiseMoments) -> PairwiseMoments:
        return PairwiseMoments(
            self.n + other.n, self.sums + other.sums, self.squares + other.squares, self.cross + other.cross
        )

    def diagonal(self) -> np.ndarray:
        """Per item: the number of answers, their sum and their sum of squares (3 x k)."""
        return np.stack([np.diag(self.n), np.diag(self.sums), np.diag(self.squares)])

    def covariance(self) -> np.ndarray:
        r"""Pairwise-complete covariance matrix.

        .. math:: c_{ij} = \frac{\sum x_i x_j - \sum x_i \sum x_j / n_{ij}}{n_{ij} - 1}

        In R: ``cov(x, use = "pairwise.complete.obs")``.
        """
        with np.errstate(invalid="ignore", divide="ignore"):
            covariance: np.ndarray = (self.cross - self.sums * self.sums.T / self.n) / (self.n - 1)
        return covariance

    def correlation(self) -> np.ndarray:
        """Pairwise-complete correlations, each from that pair's own means and variances.

        In R: ``cor(x, use = "pairwise.complete.obs")``.
        """
        with np.errstate(invalid="ignore", divide="ignore"):
            variance = (self.squares - self.sums**2 / self.n) / (self.n - 1)
            correlation: np.ndarray = self.covariance() / np.sqrt(variance * variance.T)
        return correlation


def pairwise_covariance(items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Covariance matrix over pairwise-complete rows, and the pair counts."""
    moments = PairwiseMoments.of(items)
    return moments.covariance(), moments.n


def cronbach_alpha(items: np.ndarray, ci: float = 0.95) -> dict[str, float | list[float]]:
    r"""Cronbach's alpha from the pairwise covariance matrix, with Feldt's interval.

    .. math:: \alpha = \frac{k}{k-1}\left(1 - \frac{\operatorname{tr} C}{\mathbf 1^\top C \mathbf 1}\right)

    Feldt's interval, with n the number of respondents:
    :math:`1 - (1-\alpha) F_{1-\gamma/2}(n-1, (n-1)(k-1))` to
    :math:`1 - (1-\alpha) F_{\gamma/2}(n-1, (n-1)(k-1))`.
    In R: ``psych::alpha(x, use = "pairwise")$total$raw_alpha`` and
    ``psych::alpha.ci(alpha, n.obs, n.var)``.
    """
    covariance, _ = pairwise_covariance(items)
    return _alpha_with_ci(covariance, int(np.count_nonzero(~np.isnan(items).all(axis=1))), ci)


def reliability(moments: PairwiseMoments, n: int, ci: float = 0.95) -> Reliability:
    """Alpha with its CI, omega total and the item statistics of one item set, from its
    moments; ``n`` is the number of respondents with at least one of its answers."""
    covariance = moments.covariance()
    alpha = _alpha_with_ci(covariance, n, ci)
    items = _item_statistics(covariance)
    low, high = alpha["ci95"]
    return Reliability(
        alpha=alpha["alpha"],
        ci95=(low, high),
        n=n,
        k=alpha["k"],
        omega_total=omega_total(moments.correlation()),
        alpha_if_dropped=tuple(items["alpha_if_dropped"]),
        corrected_item_total=tuple(items["corrected_item_total"]),
    )


def pairwise_correlation(items: np.ndarray) -> np.ndarray:
    """Pairwise-complete correlation matrix. In R: ``cor(x, use = "pairwise.complete.obs")``."""
    return PairwiseMoments.of(items).correlation()


def omega_total(correlation: np.ndarray, max_iter: int = 10_000, tol: float = 1e-12) -> float:
    r"""McDonald's omega total from a one-factor minimum-residual (ULS) solution.

    .. math:: \omega_t = 1 - \frac{\sum_i u_i^2}{\mathbf 1^\top R\, \mathbf 1}

    with R the correlation matrix (pairwise, as psych computes it) and :math:`u_i^2 = 1 - h_i^2` the
    uniquenesses. The ULS loadings come from iterated principal axes, which converge
    to the minimum-residual solution; as in psych, uniquenesses stay at least 0.005
    (a Heywood case stops at the bound) and the final loadings are those of the leading
    eigenvector at that solution. NaN for fewer than three items.
    In R: ``psych::omega(x, nfactors = 1)$omega.tot``.
    """
    r = correlation
    if r.shape[0] < 3 or not np.isfinite(r).all():
        return float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        communality = 1 - 1 / np.diag(np.linalg.pinv(r))  # squared multiple correlations
    communality = np.minimum(communality, MAX_COMMUNALITY)
    for _ in range(max_iter):
        loadings = _leading_loadings(r, communality)
        updated = np.minimum(loadings**2, MAX_COMMUNALITY)
        if np.abs(updated - communality).max() < tol:
            break
        communality = updated
    else:
        return float("nan")
    loadings = _leading_loadings(r, updated)
    if not r.sum() > 0:  # items that cancel out (few answers): no total variance to explain
        return float("nan")
    return float(1 - (1 - loadings**2).sum() / r.sum())


#: psych's minres keeps every uniqueness at 0.005 or more.
MAX_COMMUNALITY = 0.995


def _leading_loadings(r: np.ndarray, communality: np.ndarray) -> np.ndarray:
    reduced = r.copy()
    np.fill_diagonal(reduced, communality)
    values, vectors = np.linalg.eigh(reduced)
    loadings: np.ndarray = vectors[:, -1] * np.sqrt(max(values[-1], 0.0))
    return loadings


def _alpha_with_ci(covariance: np.ndarray, n: int, ci: float) -> dict[str, Any]:
    k = covariance.shape[0]
    alpha = _alpha(covariance)
    if k < 2 or n < 2 or np.isnan(alpha):
        return {"alpha": alpha, "ci95": [float("nan"), float("nan")], "n": n, "k": k}
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - ci) / 2
    low = 1 - (1 - alpha) * float(special.fdtri(df1, df2, 1 - tail))
    high = 1 - (1 - alpha) * float(special.fdtri(df1, df2, tail))
    return {"alpha": alpha, "ci95": [low, high], "n": n, "k": k}


def _alpha(covariance: np.ndarray) -> float:
    k = covariance.shape[0]
    total = float(covariance.sum())
    if k < 2 or not np.isfinite(total) or total == 0:
        return float("nan")
    return float(k / (k - 1) * (1 - float(np.trace(covariance)) / total))


def item_statistics(items: np.ndarray) -> dict[str, list[float]]:
    r"""Alpha if each item is dropped, and each item's corrected item-total correlation.

    The corrected correlation is between the item and the sum of the other items,
    from the covariance matrix:
    :math:`r_{i,\,rest} = \sum_{j\ne i} c_{ij} / \sqrt{c_{ii} \sum_{j,l \ne i} c_{jl}}`.
    In R: ``psych::alpha(x, use = "pairwise")$alpha.drop$raw_alpha`` and
    ``$item.stats$r.drop``.
    """
    return _item_statistics(pairwise_covariance(items)[0])


def _item_statistics(covariance: np.ndarray) -> dict[str, list[float]]:
    k = covariance.shape[0]
    dropped, corrected = [], []
    for i in range(k):
        rest = [j for j in range(k) if j != i]
        sub = covariance[np.ix_(rest, rest)]
        dropped.append(_alpha(sub))
        with np.errstate(invalid="ignore", divide="ignore"):
            corrected.append(float(covariance[i, rest].sum() / np.sqrt(covariance[i, i] * sub.sum())))
    return {"alpha_if_dropped": dropped, "corrected_item_total": corrected}


def difference_score_reliability(
    perception: np.ndarray, expectation: np.ndarray, alpha_perception: float, alpha_expectation: float
) -> float:
    r"""Reliability of the difference P - E of two composite scores (Johns, 1981).

    .. math:: r_D = \frac{\sigma_P^2 r_{PP} + \sigma_E^2 r_{EE} - 2 r_{PE}\sigma_P\sigma_E}
                         {\sigma_P^2 + \sigma_E^2 - 2 r_{PE}\sigma_P\sigma_E}

    with :math:`r_{PP}, r_{EE}` the reliabilities (alpha) of the composites and
    :math:`r_{PE}` their correlation, over respondents with both composites.
    Used for SERVQUAL by Peter, Churchill & Brown (1993).
    """
    return difference_score_reliability_of(pair_sums(perception, expectation), alpha_perception, alpha_expectation)


def pair_sums(p: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Over respondents with both: n, sum p, sum e, sum p^2, sum e^2 and sum pe (per
    column for matrices)."""
    both = ~np.isnan(p) & ~np.isnan(e)
    p, e = np.where(both, p, 0.0), np.where(both, e, 0.0)
    return np.stack(
        [both.sum(axis=0), p.sum(axis=0), e.sum(axis=0), (p * p).sum(axis=0), (e * e).sum(axis=0), (p * e).sum(axis=0)]
    )


def difference_score_reliability_of(sums: np.ndarray, alpha_perception: float, alpha_expectation: float) -> float:
    """Johns' reliability from one column of :func:`pair_sums`."""
    n, sp, se, spp, see, spe = (float(v) for v in sums)
    if n < 3:
        return float("nan")
    var_p, var_e = (spp - sp * sp / n) / (n - 1), (see - se * se / n) / (n - 1)
    if var_p <= 1e-12 * spp / n or var_e <= 1e-12 * see / n:  # a constant leaves rounding noise, not zero
        return float("nan")
    shared = 2 * (spe - sp * se / n) / (n - 1)  # twice the covariance: 2 r sigma_P sigma_E
    denominator = var_p + var_e - shared  # the variance of P - E: zero when P and E move as one
    if denominator <= 1e-12 * (var_p + var_e):
        return float("nan")
    return float((var_p * alpha_perception + var_e * alpha_expectation - shared) / denominator)
