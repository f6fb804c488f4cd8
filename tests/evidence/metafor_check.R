# The reference figures for tests/evidence/test_metafor.py: R's metafor on the same studies.
#   Rscript metafor_check.R cases.json out.json
# Each case names what to fit; the answer holds metafor's figures under the same names mscref
# uses. Iterations are run to convergence (tight tolerances) so that the comparison at 1e-6
# measures the methods, not metafor's default stopping rules.
suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
cases <- fromJSON(args[1], simplifyVector = TRUE, simplifyDataFrame = FALSE)
con <- list(threshold = 1e-13, tol = 1e-13, maxiter = 10000, tau2.max = 1e6)
tests <- c(hksj = "knha", "hksj-floor" = "adhoc", z = "z")

fit_re <- function(yi, vi, tau2, ci, sei = NULL) {
  r <- if (is.null(sei)) {
    rma(yi, vi, method = toupper(tau2), test = tests[[ci]], control = con)
  } else {
    rma(yi, sei = sei, method = toupper(tau2), test = tests[[ci]], control = con)
  }
  out <- list(
    estimate = r$beta[1], se = r$se, stat = r$zval, p = r$pval,
    ci_low = r$ci.lb, ci_high = r$ci.ub, tau2 = r$tau2, i2 = r$I2 / 100,
    q = r$QE, q_p = r$QEp, weights = unname(weights(r) / 100)
  )
  if (r$k >= 2) {
    ci2 <- confint(r, control = list(tol = 1e-13, tau2.max = 1e6))$random
    out$tau2_low <- ci2["tau^2", "ci.lb"]
    out$tau2_high <- ci2["tau^2", "ci.ub"]
    out$i2_low <- ci2["I^2(%)", "ci.lb"] / 100
    out$i2_high <- ci2["I^2(%)", "ci.ub"] / 100
  }
  if (r$k >= 3) {
    p <- predict(r, pi.type = "riley")
    out$pi_low <- p$pi.lb
    out$pi_high <- p$pi.ub
  }
  out
}

escalc_of <- function(case) {
  m <- case$measure
  if (m %in% c("or", "rr", "rd")) {
    return(escalc(toupper(m), ai = case$a, n1i = case$n1, ci = case$c, n2i = case$n2,
                  drop00 = isTRUE(case$drop00)))
  }
  if (m == "plo") return(escalc("PLO", xi = case$x, ni = case$n))
  if (m %in% c("md", "smd")) {
    # SMD: Hedges' g with the exact (gamma-function) correction, large-sample variance
    return(escalc(toupper(m), m1i = case$m1, sd1i = case$sd1, n1i = case$n1,
                  m2i = case$m2, sd2i = case$sd2, n2i = case$n2, vtype = "LS"))
  }
  stop(paste("unknown measure", m))
}

answer <- lapply(cases, function(case) {
  kind <- case$kind
  if (kind == "escalc") {
    e <- escalc_of(case)
    keep <- !is.na(e$yi)  # double-zero tables, left out
    return(list(yi = as.numeric(e$yi)[keep], vi = as.numeric(e$vi)[keep]))
  }
  if (kind == "re" && identical(case$measure, "generic")) {
    # generic inverse variance: each reported estimate and its CI (at its own level) as an
    # effect and SE, on the log scale for a ratio
    f <- if (isTRUE(case$ratio)) log else identity
    sei <- (f(case$high) - f(case$low)) / (2 * qnorm(0.5 + case$level / 2))
    return(fit_re(f(case$estimate), NULL, case$tau2, case$ci, sei = sei))
  }
  if (kind == "re") {
    if (!is.null(case$measure)) {
      e <- escalc_of(case)
      keep <- !is.na(e$yi)
      yi <- as.numeric(e$yi)[keep]
      vi <- as.numeric(e$vi)[keep]
    } else {
      yi <- case$yi
      vi <- case$vi
    }
    return(fit_re(yi, vi, case$tau2, case$ci))
  }
  if (kind == "mh" || kind == "peto") {
    r <- suppressWarnings(if (kind == "mh") {
      rma.mh(ai = case$a, n1i = case$n1, ci = case$c, n2i = case$n2, measure = toupper(case$measure))
    } else {
      rma.peto(ai = case$a, n1i = case$n1, ci = case$c, n2i = case$n2)
    })
    return(list(
      estimate = r$beta[1], se = r$se, stat = r$zval, p = r$pval, ci_low = r$ci.lb,
      ci_high = r$ci.ub, q = r$QE, q_p = r$QEp, i2 = r$I2 / 100, k = r$k.yi
    ))
  }
  if (kind == "subgroups") {
    est <- c()
    se <- c()
    for (g in case$groups) {
      if (length(g$yi) == 1) {
        est <- c(est, g$yi)
        se <- c(se, sqrt(g$vi))
      } else {
        r <- rma(g$yi, g$vi, method = toupper(case$tau2), test = tests[[case$ci]], control = con)
        est <- c(est, r$beta[1])
        se <- c(se, r$se)
      }
    }
    b <- rma(est, sei = se, method = "FE")
    return(list(q = b$QE, df = b$k - 1, p = b$QEp))
  }
  if (kind == "loo") {
    r <- rma(case$yi, case$vi, method = toupper(case$tau2), test = tests[[case$ci]], control = con)
    l <- leave1out(r)
    return(list(estimate = as.numeric(l$estimate), ci_low = as.numeric(l$ci.lb),
                ci_high = as.numeric(l$ci.ub), tau2 = as.numeric(l$tau2), i2 = as.numeric(l$I2) / 100))
  }
  if (kind == "egger") {
    r <- rma(case$yi, case$vi, method = "FE")
    g <- regtest(r, model = "lm", predictor = "sei")
    return(list(t = g$zval, p = g$pval, df = g$dfs, limit = as.numeric(g$est)))
  }
  stop(paste("unknown kind", kind))
})
write(toJSON(answer, digits = NA, auto_unbox = TRUE, na = "null"), args[2])
