# Reference values for tests/analysis: computed with R (stats, psych), never with servqual.
#
#   Rscript tests/analysis/reference.R      (from the repository root)
#
# Needs R with psych (Debian: apt-get install r-cran-psych r-cran-lavaan).
# Writes tests/analysis/reference.csv: dataset, statistic, subject, value.
suppressPackageStartupMessages({library(psych); library(lavaan)})

dims <- list(tangibles = 1:4, reliability = 5:9, responsiveness = 10:13,
             assurance = 14:17, empathy = 18:22)
codes <- c(tangibles = "W_TAN", reliability = "W_REL", responsiveness = "W_RES",
           assurance = "W_ASS", empathy = "W_EMP")
datasets <- c(canonical = "tests/fixtures/canonical.csv", study300 = "tests/analysis/data/study300.csv",
              # the same respondents on a 1..7 scale in steps of 0.5 and on a 0..100 slider
              # (tests/analysis/data/make_scaled.py)
              half300 = "tests/analysis/data/half300.csv", slider300 = "tests/analysis/data/slider300.csv")

out <- data.frame(dataset = character(), statistic = character(), subject = character(), value = numeric())
put <- function(dataset, statistic, subject, value) {
  out[nrow(out) + 1, ] <<- list(dataset, statistic, subject, as.numeric(value))
}
# rowMeans(na.rm = TRUE) gives NaN for a respondent without answers; make that NA.
row_mean <- function(m) { r <- rowMeans(m, na.rm = TRUE); r[is.nan(r)] <- NA; r }

for (name in names(datasets)) {
  x <- read.csv(datasets[[name]], check.names = FALSE)
  E <- as.matrix(x[, paste0("E", 1:22)])
  P <- as.matrix(x[, paste0("P", 1:22)])
  G <- P - E
  for (i in 1:22) {
    tt <- t.test(P[, i], E[, i], paired = TRUE)
    wt <- suppressWarnings(wilcox.test(P[, i], E[, i], paired = TRUE))
    d <- na.omit(G[, i])
    put(name, "gap_mean", i, mean(d))
    put(name, "gap_ci_low", i, tt$conf.int[1])
    put(name, "gap_ci_high", i, tt$conf.int[2])
    put(name, "t", i, tt$statistic)
    put(name, "t_p", i, tt$p.value)
    put(name, "wilcoxon_V", i, wt$statistic)
    put(name, "wilcoxon_p", i, wt$p.value)
    put(name, "d_z", i, mean(d) / sd(d))
  }
  gaps <- list()
  for (key in names(dims)) {
    items <- dims[[key]]
    e <- row_mean(E[, items, drop = FALSE])
    p <- row_mean(P[, items, drop = FALSE])
    g <- row_mean(G[, items, drop = FALSE])
    gaps[[key]] <- g
    tt <- t.test(g)
    wt <- suppressWarnings(wilcox.test(g))
    put(name, "dim_expectation_mean", key, mean(e, na.rm = TRUE))
    put(name, "dim_perception_mean", key, mean(p, na.rm = TRUE))
    put(name, "dim_gap_mean", key, mean(g, na.rm = TRUE))
    put(name, "dim_gap_sd", key, sd(g, na.rm = TRUE))
    put(name, "dim_gap_ci_low", key, tt$conf.int[1])
    put(name, "dim_gap_ci_high", key, tt$conf.int[2])
    put(name, "dim_t_p", key, tt$p.value)
    put(name, "dim_wilcoxon_p", key, wt$p.value)
    put(name, "dim_d_z", key, mean(g, na.rm = TRUE) / sd(g, na.rm = TRUE))
    for (section in c("expectation", "perception", "gap")) {
      m <- switch(section, expectation = E, perception = P, gap = G)[, items, drop = FALSE]
      a <- suppressWarnings(suppressMessages(psych::alpha(m, use = "pairwise", warnings = FALSE)))
      put(name, paste0("alpha_", section), key, a$total$raw_alpha)
      om <- suppressWarnings(suppressMessages(omega(m, nfactors = 1, plot = FALSE)))
      put(name, paste0("omega_", section), key, om$omega.tot)
      put(name, paste0("alpha_low_", section), key, a$feldt$lower.ci)
      put(name, paste0("alpha_high_", section), key, a$feldt$upper.ci)
      for (j in seq_along(items)) {
        put(name, paste0("alpha_drop_", section), paste0(key, ":", j), a$alpha.drop$raw_alpha[j])
        put(name, paste0("r_drop_", section), paste0(key, ":", j), a$item.stats$r.drop[j])
      }
    }
    # Johns (1981) difference-score reliability from the composites' alphas.
    ok <- !is.na(p) & !is.na(e)
    rpp <- out$value[out$dataset == name & out$statistic == "alpha_perception" & out$subject == key]
    ree <- out$value[out$dataset == name & out$statistic == "alpha_expectation" & out$subject == key]
    sp <- sd(p[ok]); se <- sd(e[ok]); rpe <- cor(p[ok], e[ok])
    put(name, "johns_r_d", key, (sp^2 * rpp + se^2 * ree - 2 * rpe * sp * se) / (sp^2 + se^2 - 2 * rpe * sp * se))
  }
  overall <- row_mean(P)
  for (i in 1:22) put(name, "derived_importance", i, cor(P[, i], overall, use = "complete.obs"))
  gap_means <- sapply(gaps, function(g) mean(g, na.rm = TRUE))
  put(name, "servqual_unweighted", "all", mean(gap_means))
  W <- as.matrix(x[, codes]) / 100
  W[is.na(W)] <- 0
  given <- rowSums(!is.na(as.matrix(x[, codes]))) > 0
  Gd <- do.call(cbind, gaps)
  weighted <- rowSums(W * Gd)
  put(name, "servqual_weighted", "all", mean(weighted[given & complete.cases(Gd)]))
  for (key in names(dims)) put(name, "weight", key, mean(W[given, codes[[key]]]))
}

# Segments (study300): Welch ANOVA, Kruskal-Wallis and Holm-adjusted pairwise Welch
# t-tests by branch; a Welch t-test for two groups (web against the other channels).
x <- read.csv(datasets[["study300"]], check.names = FALSE)
G <- as.matrix(x[, paste0("P", 1:22)]) - as.matrix(x[, paste0("E", 1:22)])
two <- ifelse(x$channel == "web", "web", "other")
for (key in names(dims)) {
  g <- row_mean(G[, dims[[key]], drop = FALSE])
  for (b in sort(unique(x$branch))) put("segments", "branch_gap_mean", paste0(key, ":", b), mean(g[x$branch == b], na.rm = TRUE))
  ow <- oneway.test(g ~ branch, data = data.frame(g = g, branch = x$branch), var.equal = FALSE)
  put("segments", "welch_f", key, ow$statistic)
  put("segments", "welch_df2", key, ow$parameter[2])
  put("segments", "welch_p", key, ow$p.value)
  kw <- kruskal.test(g ~ branch, data = data.frame(g = g, branch = x$branch))
  put("segments", "kruskal_h", key, kw$statistic)
  put("segments", "kruskal_p", key, kw$p.value)
  pw <- pairwise.t.test(g, x$branch, pool.sd = FALSE, p.adjust.method = "holm")$p.value
  for (a in rownames(pw)) for (b in colnames(pw)) if (!is.na(pw[a, b])) {
    put("segments", "pairwise_holm", paste0(key, ":", b, ":", a), pw[a, b])
  }
  tt <- t.test(g[two == "other"], g[two == "web"])
  put("segments", "two_t", key, tt$statistic)
  put("segments", "two_df", key, tt$parameter)
  put("segments", "two_p", key, tt$p.value)
}

# Segments with blanks (blank_branch.csv: canonical.csv with 9 branches left empty), both
# ways of treating them: "exclude" leaves those respondents out (R's own na.omit on the
# group), "group" makes them a group of their own, here named "(none)".
x <- read.csv("tests/fixtures/blank_branch.csv", check.names = FALSE, na.strings = "")
G <- as.matrix(x[, paste0("P", 1:22)]) - as.matrix(x[, paste0("E", 1:22)])
modes <- list(exclude = x$branch, group = ifelse(is.na(x$branch), "(none)", x$branch))
put("blank_branch", "left_out", "exclude", sum(is.na(x$branch)))
for (mode in names(modes)) {
  branch <- modes[[mode]]
  for (key in names(dims)) {
    g <- row_mean(G[, dims[[key]], drop = FALSE])
    for (b in sort(unique(na.omit(branch)))) {
      put("blank_branch", paste0(mode, "_gap_mean"), paste0(key, ":", b), mean(g[which(branch == b)], na.rm = TRUE))
      put("blank_branch", paste0(mode, "_n"), paste0(key, ":", b), sum(!is.na(g[which(branch == b)])))
    }
    ow <- oneway.test(g ~ branch, data = data.frame(g = g, branch = branch), var.equal = FALSE)
    put("blank_branch", paste0(mode, "_welch_f"), key, ow$statistic)
    put("blank_branch", paste0(mode, "_welch_df2"), key, ow$parameter[2])
    put("blank_branch", paste0(mode, "_welch_p"), key, ow$p.value)
    kw <- kruskal.test(g ~ branch, data = data.frame(g = g, branch = branch))
    put("blank_branch", paste0(mode, "_kruskal_h"), key, kw$statistic)
    put("blank_branch", paste0(mode, "_kruskal_p"), key, kw$p.value)
    pw <- pairwise.t.test(g, branch, pool.sd = FALSE, p.adjust.method = "holm")$p.value
    for (a in rownames(pw)) for (b in colnames(pw)) if (!is.na(pw[a, b])) {
      put("blank_branch", paste0(mode, "_pairwise_holm"), paste0(key, ":", b, ":", a), pw[a, b])
    }
  }
}

# CFA: five correlated factors, ML on listwise-complete rows (lavaan's defaults).
model <- function(prefix) paste(sapply(names(dims), function(key)
  paste0(key, " =~ ", paste0(prefix, dims[[key]], collapse = " + "))), collapse = "\n")
cfa_data <- c(study300 = datasets[["study300"]], study1000 = "tests/analysis/data/study1000.csv",
              slider300 = datasets[["slider300"]])
for (name in names(cfa_data)) {
  x <- read.csv(cfa_data[[name]], check.names = FALSE)
  G <- as.matrix(x[, paste0("P", 1:22)]) - as.matrix(x[, paste0("E", 1:22)])
  colnames(G) <- paste0("G", 1:22)
  x <- cbind(x, G)
  # A slider's variances are in the hundreds, where lavaan's optimizer stops before its
  # minimum (a chi-square 0.001 too high); the fit and the standardized loadings do not
  # depend on the unit, so it gets the answers in tens.
  if (name == "slider300") x[, -(1:3)] <- x[, -(1:3)] / 10
  for (section in c("P", "E", "G")) {
    fit <- cfa(model(section), data = x)
    if (!lavInspect(fit, "converged")) next
    fm <- fitMeasures(fit, c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower",
                             "rmsea.ci.upper", "srmr", "ntotal"))
    for (m in names(fm)) put(name, paste0("cfa_", section, "_", m), "all", fm[[m]])
    std <- standardizedSolution(fit)
    loadings <- std[std$op == "=~", ]
    for (j in seq_len(nrow(loadings))) put(name, paste0("cfa_", section, "_std_loading"), loadings$rhs[j], loadings$est.std[j])
  }
}

# The exact branch of the signed-rank test: fewer than 50 pairs, no ties, no zeros.
after <- c(5.1, 6.3, 4.8, 7.2, 5.9, 6.6, 3.7, 5.5, 6.1, 4.4, 6.9, 5.2)
before <- c(4.0, 6.0, 5.35, 5.1, 5.0, 6.45, 4.9, 4.15, 5.35, 4.3, 5.0, 5.65)
wt <- wilcox.test(after, before, paired = TRUE)
put("exact", "wilcoxon_V", "all", wt$statistic)
put("exact", "wilcoxon_p", "all", wt$p.value)

# Gaps 1-4 and the mirror (tests/analysis/data/make_gaps.py): the customers of study300
# beside a management survey (managers40) and an employee survey (employees150). Factor
# items, reverse keys and gaps as in the instrument files servqual-managers/-employees.
managers_factors <- list(
  customer_research = list(code = "CR", k = 4, reverse = c(4), gap = 1),
  upward_communication = list(code = "UC", k = 4, reverse = c(4), gap = 1),
  management_levels = list(code = "ML", k = 3, reverse = c(1, 2), gap = 1),
  service_commitment = list(code = "SC", k = 4, reverse = c(3), gap = 2),
  goal_setting = list(code = "GS", k = 4, reverse = c(4), gap = 2),
  task_standardisation = list(code = "TS", k = 3, reverse = c(3), gap = 2),
  perceived_feasibility = list(code = "PF", k = 3, reverse = c(2), gap = 2))
employees_factors <- list(
  teamwork = list(code = "TW", k = 4, reverse = c(4), gap = 3),
  employee_fit = list(code = "EF", k = 4, reverse = c(3), gap = 3),
  technology_fit = list(code = "TF", k = 3, reverse = c(2), gap = 3),
  perceived_control = list(code = "PC", k = 4, reverse = c(3, 4), gap = 3),
  supervisory_control = list(code = "SV", k = 3, reverse = c(3), gap = 3),
  role_conflict = list(code = "RC", k = 4, reverse = c(1, 2, 3), gap = 3),
  role_ambiguity = list(code = "RA", k = 4, reverse = c(3, 4), gap = 3),
  horizontal_communication = list(code = "HC", k = 4, reverse = c(4), gap = 4),
  overpromising = list(code = "OP", k = 4, reverse = c(1, 2, 3), gap = 4),
  customer_orientation = list(code = "CO", k = 4, reverse = c(), gap = NA))
customers <- read.csv("tests/analysis/data/study300.csv", check.names = FALSE)
managers <- read.csv("tests/analysis/data/managers40.csv", check.names = FALSE)
employees <- read.csv("tests/analysis/data/employees150.csv", check.names = FALSE)
welch <- function(name, subject, a, b) {
  tt <- t.test(a, b)
  put(name, "difference", subject, tt$estimate[1] - tt$estimate[2])
  put(name, "ci_low", subject, tt$conf.int[1])
  put(name, "ci_high", subject, tt$conf.int[2])
  put(name, "t", subject, tt$statistic)
  put(name, "df", subject, tt$parameter)
  put(name, "p", subject, tt$p.value)
}
compare_section <- function(name, first, second, prefix) {
  A <- as.matrix(first[, paste0(prefix, 1:22)])
  B <- as.matrix(second[, paste0(prefix, 1:22)])
  for (i in 1:22) welch(name, i, A[, i], B[, i])
  for (key in names(dims)) welch(name, key, row_mean(A[, dims[[key]], drop = FALSE]), row_mean(B[, dims[[key]], drop = FALSE]))
}
compare_section("gap1", managers, customers, "E")
for (code in codes) welch("gap1_importance", code, managers[[code]], customers[[code]])
compare_section("mirror", employees, customers, "P")
for (survey in c("managers", "employees")) {
  x <- get(survey)
  factors <- get(paste0(survey, "_factors"))
  means <- list()
  for (key in names(factors)) {
    f <- factors[[key]]
    m <- as.matrix(x[, paste0(f$code, seq_len(f$k))])
    m[, f$reverse] <- 1 + 7 - m[, f$reverse]
    s <- row_mean(m)
    tt <- t.test(s)
    put(survey, "factor_mean", key, mean(s, na.rm = TRUE))
    put(survey, "factor_sd", key, sd(s, na.rm = TRUE))
    put(survey, "factor_n", key, sum(!is.na(s)))
    put(survey, "factor_ci_low", key, tt$conf.int[1])
    put(survey, "factor_ci_high", key, tt$conf.int[2])
    a <- suppressWarnings(suppressMessages(psych::alpha(m, use = "pairwise", warnings = FALSE, check.keys = FALSE)))
    put(survey, "factor_alpha", key, a$total$raw_alpha)
    om <- suppressWarnings(suppressMessages(omega(m, nfactors = 1, plot = FALSE)))
    put(survey, "factor_omega", key, om$omega.tot)
    if (!is.na(f$gap)) means[[as.character(f$gap)]] <- c(means[[as.character(f$gap)]], mean(s, na.rm = TRUE))
  }
  # The gap index: 100 * (max - mean of the gap's factor means) / (max - min), scale 1..7.
  for (gap in names(means)) put(survey, "gap_index", gap, 100 * (7 - mean(means[[gap]])) / (7 - 1))
}

write.csv(out, "tests/analysis/reference.csv", row.names = FALSE)
cat(sprintf("R %s, psych %s: %d reference values\n", getRversion(), packageVersion("psych"), nrow(out)))
