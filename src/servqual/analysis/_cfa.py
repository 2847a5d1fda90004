"""Confirmatory factor analysis by maximum likelihood, as lavaan fits it by default.

Written here rather than taken from semopy: importing semopy costs about 2 s on the
reference machine, the whole budget of a million-respondent analysis (docs/
performance.md), and a CFA needs only the covariance matrix. Every figure is pinned to
``lavaan::cfa`` and ``fitMeasures`` (tests/analysis/reference.R).

The model: each item loads on one factor; the first item of each factor has its
loading fixed to 1 (lavaan's marker default); factor variances and covariances and the
residual variances are free. Estimation by Fisher scoring on the ML discrepancy
:math:`F = \\log|\\Sigma| + \\operatorname{tr}(S\\Sigma^{-1}) - \\log|S| - p`, with
:math:`S` the covariance of the complete rows divided by N (lavaan's ``likelihood =
"normal"``).
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import special

from servqual.analysis._results import CompositeReliability, FitMeasures


class ConvergenceWarning(UserWarning):
    """The estimation did not converge: the model's figures are not reported."""


class ConfirmatoryFactorAnalysis:
    """Maximum-likelihood CFA of a simple-structure model (scikit-learn conventions).

    Parameters
    ----------
    factors
        Item positions (columns of the data) per factor, e.g. ``[[0, 1, 2, 3], [4, ...]]``.
    max_iter
        Fisher-scoring iterations before giving up.
    tol
        Convergence when the largest gradient element is below this.

    Attributes
    ----------
    converged_ : bool
    failure_ : str or None
        Why there is no fit: ``too_few_rows``, ``singular`` or ``not_converged``.
    n_ : int
        Complete rows used (listwise deletion, lavaan's default).
    loadings_ : ndarray of shape (n_items, n_factors)
    factor_cov_ : ndarray of shape (n_factors, n_factors)
    residual_var_ : ndarray of shape (n_items,)
    standardized_loadings_ : ndarray of shape (n_items,)
        Each item's loading on its own factor in the completely standardised solution.
    fit_ : FitMeasures
        chi2, df, p_value, cfi, tli, rmsea, rmsea_ci90, srmr, n.

    Examples
    --------
    In R: ``lavaan::cfa('F1 =~ x1 + x2 + x3 ...', data = x)`` with ``fitMeasures()``.
    """

    def __init__(self, factors: list[list[int]], *, max_iter: int = 500, tol: float = 1e-9) -> None:
        self.factors = factors
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, data: np.ndarray) -> ConfirmatoryFactorAnalysis:
        """Fit on the rows of ``data`` without missing values."""
        columns = [i for items in self.factors for i in items]
        complete = data[:, columns]
        complete = complete[~np.isnan(complete).any(axis=1)]
        covariance = np.cov(complete, rowvar=False, bias=True) if len(complete) > 1 else np.zeros((0, 0))
        return self._fit(covariance, complete.shape[0])

    def fit_moments(self, moments: np.ndarray) -> ConfirmatoryFactorAnalysis:
        """Fit from the moments of the complete rows: ``moments`` is ``A.T @ A`` of the
        complete rows with a column of ones in front (``[[n, sums], [sums, cross]]``),
        columns in the data's order. Such moments of parts of a file add up."""
        columns = [i + 1 for items in self.factors for i in items]
        n = int(moments[0, 0])
        if n < 2:
            return self._fit(np.zeros((0, 0)), n)
        mean = moments[0, columns] / n
        covariance = moments[np.ix_(columns, columns)] / n - np.outer(mean, mean)
        return self._fit(covariance, n)

    def _fit(self, covariance: np.ndarray, n: int) -> ConfirmatoryFactorAnalysis:
        """Fit to the covariance matrix (divisor N) of ``n`` complete rows."""
        self.n_ = n
        self.converged_ = False
        self.failure_: str | None = None
        p = sum(len(items) for items in self.factors)
        if n <= p:
            self.failure_ = "too_few_rows"
            warnings.warn(f"CFA needs more complete rows ({n}) than items ({p})", ConvergenceWarning, stacklevel=3)
            return self
        if np.linalg.matrix_rank(covariance) < p:
            self.failure_ = "singular"
            warnings.warn("CFA: the items' covariance matrix is singular", ConvergenceWarning, stacklevel=3)
            return self
        membership = [f for f, items in enumerate(self.factors) for _ in items]
        self._estimate(covariance, membership)
        if self.converged_:
            self.fit_ = _fit_measures(covariance, self._sigma, n, p, self._n_free)
            self.standardized_loadings_ = (
                self.loadings_[np.arange(p), membership]
                * np.sqrt(np.diag(self.factor_cov_))[membership]
                / np.sqrt(np.diag(self._sigma))
            )
        return self

    def _estimate(self, s: np.ndarray, membership: list[int]) -> None:
        p, k = s.shape[0], len(self.factors)
        markers = dict.fromkeys(np.cumsum([0] + [len(f) for f in self.factors])[:-1], True)
        free_loadings = [i for i in range(p) if i not in markers]
        lower = np.tril_indices(k)

        def unpack(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            lam = np.zeros((p, k))
            lam[np.arange(p), membership] = 1.0
            lam[free_loadings, [membership[i] for i in free_loadings]] = theta[: len(free_loadings)]
            phi = np.zeros((k, k))
            phi[lower] = theta[len(free_loadings) : len(free_loadings) + len(lower[0])]
            phi = phi + np.tril(phi, -1).T
            psi = theta[len(free_loadings) + len(lower[0]) :]
            return lam, phi, psi

        # Starting values: unit loadings, residual variances half the item variances,
        # factor variances the mean covariance among their items (lavaan-like "simple").
        start_phi = np.zeros((k, k))
        for f, items in enumerate(self.factors):
            offset = sum(len(g) for g in self.factors[:f])
            block = s[offset : offset + len(items), offset : offset + len(items)]
            off = block[~np.eye(len(items), dtype=bool)]
            start_phi[f, f] = max(float(off.mean()) if off.size else float(block.mean()), 0.05)
        theta = np.concatenate([np.ones(len(free_loadings)), start_phi[lower], np.diag(s) / 2])
        self._n_free = theta.size

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
            lam, phi, psi = unpack(theta)
            sigma = lam @ phi @ lam.T + np.diag(psi)
            sign, logdet = np.linalg.slogdet(sigma)
            if sign <= 0:
                return np.inf, sigma, np.empty(0)
            inverse = np.linalg.inv(sigma)
            return float(logdet + np.trace(s @ inverse)), sigma, inverse

        def derivatives(theta: np.ndarray) -> list[np.ndarray]:
            lam, phi, _ = unpack(theta)
            lam_phi = lam @ phi
            out = []
            for i in free_loadings:
                d = np.zeros((p, p))
                d[i, :] += lam_phi[:, membership[i]]
                d[:, i] += lam_phi[:, membership[i]]
                out.append(d)
            for f, g in zip(*lower, strict=True):
                d = np.outer(lam[:, f], lam[:, g])
                out.append(d + d.T if f != g else d)
            for i in range(p):
                d = np.zeros((p, p))
                d[i, i] = 1.0
                out.append(d)
            return out

        value, sigma, inverse = objective(theta)
        for _ in range(self.max_iter):
            # parameters x (p * p): the derivative of sigma by each parameter, flattened, so
            # that the gradient and the information matrix are one product each
            parts = np.array(derivatives(theta)).reshape(len(theta), -1)
            m = inverse @ (sigma - s) @ inverse
            gradient = parts @ m.ravel()
            if np.abs(gradient).max() < self.tol:
                self.converged_ = True
                break
            weighted = (inverse @ parts.reshape(-1, p, p) @ inverse).reshape(len(theta), -1)
            information = weighted @ parts.T
            try:
                step = np.linalg.solve(information, gradient)
            except np.linalg.LinAlgError:
                break
            scale = 1.0
            while scale > 1e-6:
                candidate = theta - scale * step
                new_value, new_sigma, new_inverse = objective(candidate)
                if new_value <= value + 1e-12:
                    theta, value, sigma, inverse = candidate, new_value, new_sigma, new_inverse
                    break
                scale /= 2
            else:
                break
        if not self.converged_:
            self.failure_ = "not_converged"
            warnings.warn("CFA did not converge; no fit is reported", ConvergenceWarning, stacklevel=3)
            return
        self.loadings_, self.factor_cov_, self.residual_var_ = unpack(theta)
        self._sigma = sigma

    def reliability(self) -> list[CompositeReliability]:
        r"""Composite reliability and average variance extracted per factor, from the
        standardised loadings :math:`\lambda` and residuals :math:`\theta = 1 - \lambda^2`:

        .. math:: CR = \frac{(\sum\lambda)^2}{(\sum\lambda)^2 + \sum\theta},\quad
                  AVE = \frac{\sum\lambda^2}{\sum\lambda^2 + \sum\theta}
        """
        out, start = [], 0
        for items in self.factors:
            lam = self.standardized_loadings_[start : start + len(items)]
            start += len(items)
            theta = 1 - lam**2
            out.append(
                CompositeReliability(
                    composite_reliability=float(lam.sum() ** 2 / (lam.sum() ** 2 + theta.sum())),
                    ave=float((lam**2).sum() / ((lam**2).sum() + theta.sum())),
                )
            )
        return out


def _fit_measures(s: np.ndarray, sigma: np.ndarray, n: int, p: int, n_free: int) -> FitMeasures:
    """lavaan's fitMeasures for ML with likelihood = "normal" (divisor N)."""
    _, logdet_s = np.linalg.slogdet(s)
    _, logdet_sigma = np.linalg.slogdet(sigma)
    f_min = logdet_sigma + np.trace(s @ np.linalg.inv(sigma)) - logdet_s - p
    chi2 = float(n * f_min)
    df = p * (p + 1) // 2 - n_free
    chi2_base = float(n * (np.log(np.diag(s)).sum() - logdet_s))
    df_base = p * (p - 1) // 2
    cfi_denominator = max(chi2 - df, chi2_base - df_base, 0.0)
    cfi = 1 - max(chi2 - df, 0.0) / cfi_denominator if cfi_denominator > 0 else 1.0
    tli = (chi2_base / df_base - chi2 / df) / (chi2_base / df_base - 1) if df > 0 else float("nan")
    rmsea = float(np.sqrt(max(chi2 - df, 0.0) / (n * df))) if df > 0 else float("nan")
    scale = np.sqrt(np.diag(s))
    residual = (s - sigma) / np.outer(scale, scale)
    rows, cols = np.tril_indices(p)
    srmr = float(np.sqrt((residual[rows, cols] ** 2).mean()))
    return FitMeasures(
        chi2=chi2,
        df=int(df),
        p_value=float(special.chdtrc(df, chi2)) if df > 0 else float("nan"),
        cfi=float(cfi),
        tli=float(tli),
        rmsea=rmsea,
        rmsea_ci90=(_rmsea_bound(chi2, df, n, 0.95), _rmsea_bound(chi2, df, n, 0.05)),
        srmr=srmr,
        n=n,
    )


def _rmsea_bound(chi2: float, df: int, n: int, probability: float) -> float:
    """RMSEA at the noncentrality where P(chi2 | df, ncp) = probability (0 if none)."""
    if df <= 0:
        return float("nan")
    if special.chndtr(chi2, df, 0) < probability:
        return 0.0
    ncp = float(special.chndtrinc(chi2, df, probability))
    return float(np.sqrt(ncp / (n * df)))
