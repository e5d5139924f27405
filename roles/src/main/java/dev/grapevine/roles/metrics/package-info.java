/**
 * Metrics of a Grapevine process: a registry ({@link dev.grapevine.roles.metrics.Metrics}) of pluggable sources
 * ({@link dev.grapevine.roles.metrics.MetricsSource}) rendered in the Prometheus text format 0.0.4 for the admin
 * server's {@code GET /v1/metrics}, and an optional Micrometer binder
 * ({@link dev.grapevine.roles.metrics.GrapevineMeterBinder}) exposing the same node figures to embedders. No
 * label value grows with the cluster: members are counted by status, never listed. See roles/README.md,
 * "Metrics".
 */
package dev.grapevine.roles.metrics;
