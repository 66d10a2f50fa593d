// BinRW: EczemaPred's binomial random walk (Hurault et al. 2022, reference §1.2), one patient.
//   logit l_1 ~ N(mu_y0, sigma_y0^2) with mu_y0 ~ N(0, 1), sigma_y0 ~ N+(0, 1.5): here the
//   single-patient marginal z_1 ~ N(0, 1.8^2); logit l_t = logit l_{t-1} + sigma eta_t;
//   y_t ~ Binomial(M, l_t); sigma ~ N+(0, 0.25 ln 5). Missing days are latent steps without data.
// Used only as the full-MCMC comparator in bench/forecast.py (not on any request path).
data {
  int<lower=1> N;                       // days on the training grid
  int<lower=1> M;                       // maximum score (10)
  int<lower=0> N_obs;
  array[N_obs] int<lower=1, upper=N> t_obs;
  array[N_obs] int<lower=0, upper=M> y_obs;
  int<lower=1> N_pred;                  // days ahead to forecast
}
parameters {
  real<lower=0> sigma;
  real z1;
  vector[N - 1] eta;
}
transformed parameters {
  vector[N] z;
  z[1] = z1;
  for (t in 2:N) z[t] = z[t - 1] + sigma * eta[t - 1];
}
model {
  sigma ~ normal(0, 0.25 * log(5));
  z1 ~ normal(0, 1.8);
  eta ~ std_normal();
  y_obs ~ binomial_logit(M, z[t_obs]);
}
generated quantities {
  array[N_pred] vector[M + 1] p;
  {
    real zf = z[N];
    for (h in 1:N_pred) {
      zf = normal_rng(zf, sigma);
      for (j in 0:M) p[h][j + 1] = exp(binomial_logit_lpmf(j | M, zf));
    }
  }
}
