#pragma once

namespace gpufleet {

// A multi-server queue: requests arrive at `arrival_rate` per second and each holds one of
// `servers` slots for `service_s` on average (docs/inference-latency.md). The CVs describe the
// variability of inter-arrival and service times: 1 and 1 is M/M/c; 1 and 0 is M/D/c; an
// arrival CV of 2 is a renewal stream as bursty as G/M/c with ca^2 = 4.
struct QueueLoad {
  double arrival_rate = 0;
  double servers = 1;  // may be fractional: the continuous extension of Erlang's formula
  double service_s = 1;
  double arrival_cv = 1;
  double service_cv = 1;

  double utilization() const { return arrival_rate * service_s / servers; }
};

// The waiting time before a request gets a slot: zero with probability 1 - p_wait, else
// exponential with mean `mean_when_waiting_s`. Exact for M/M/c (Erlang C). For other CVs,
// p_wait is Hayward's peakedness approximation (Erlang C on servers / z slots offered
// load / z, z = peakedness(load)) and the mean when waiting is the heavy-traffic one,
// (ca^2 + cs^2) / 2 / (servers / service_s - arrival_rate): both agree with the many-server
// (Halfin-Whitt) limit of GI/M/c and with Kingman's single-server limit; their error against
// a request-level simulation is in docs/inference-latency.md, "Validation".
struct WaitTime {
  double p_wait = 0;
  double mean_when_waiting_s = 0;

  double mean_s() const { return p_wait * mean_when_waiting_s; }
  double cdf(double t) const;       // P(wait <= t)
  double quantile(double p) const;  // the least t with cdf(t) >= p
};

// Erlang's C formula: the probability that an arrival waits, with `offered` = arrival rate x
// service time erlangs on `servers` slots (offered < servers). Stable for millions of servers.
double erlang_c(double servers, double offered);

// The peakedness of the arrivals as this queue's slots see them: the variance-to-mean ratio
// of the number of requests in service were there infinitely many slots,
// 1 + (ca^2 - 1) x mu int G(t)^2 dt for the service time's survival function G, which is
// 1 - cs / 2 for the model's shifted exponential service (cs in [0, 1]): 1 for Poisson
// arrivals whatever the service, (1 + ca^2) / 2 for exponential service.
double peakedness(const QueueLoad& load);

// The waiting time of a stable queue (utilization < 1).
WaitTime wait_time(const QueueLoad& load);

// The time in the system (wait + service). The service time is modelled as a shift plus an
// exponential part, m (1 - cs) + Exp(m cs), so that its CV is cs (cs in [0, 1]): deterministic
// at 0, exponential at 1.
double response_time_mean(const QueueLoad& load);
double response_time_cdf(const QueueLoad& load, double t);
double response_time_quantile(const QueueLoad& load, double p);

}  // namespace gpufleet
