#ifndef TESTVIS_CONFIG_H
#define TESTVIS_CONFIG_H
#include <stddef.h>

enum auth_read_mode { AUTH_READ_TOKEN, AUTH_READ_PUBLIC };
enum auth_ingest_mode { AUTH_INGEST_TOKEN, AUTH_INGEST_OPEN };

/* Process-lifetime settings; see conf/testvis.conf for each key's meaning. */
struct config {
	char			*path;		/* file read, or NULL */
	char			*db;
	int			 enabled;
	enum auth_read_mode	 auth_read;
	enum auth_ingest_mode	 auth_ingest;
	long long		 max_body_bytes;
	long long		 max_decompressed_bytes;
	long long		 max_message_bytes;
	long long		 max_text_bytes;
	long long		 max_name_bytes;	/* identity fields */
	char			*base_path;
	char			*commit_url_template;
	char			*session_url_template;
	/* the batch (SPEC §6) */
	char			*spool_dir;		/* "" : no spool pass */
	char			*mapping_rules;		/* "" : no rules file */
	char			*repo_path;		/* "" : diffs from uploads only */
	char			*default_branch;	/* "" : branch_default() picks */
	long long		 retention_days;	/* 0: keep results forever */
	long long		 flaky_window;		/* W results per branch */
	long long		 flaky_flip_activate_pct;
	long long		 flaky_flip_resolve_pct;
	long long		 flaky_quiet_days;
	long long		 flaky_outage_pct;
	long long		 integrity_shrink_pct;
	long long		 integrity_shrink_tests;
	long long		 integrity_collapse_factor;
	long long		 spool_settle_seconds;
	/* the read programs */
	long long		 response_cache_kb;	/* 0: no response cache */
	/* request paths: wait this long for a write lock, then 503 busy */
	long long		 busy_timeout_ms;
	long long		 max_db_mb;		/* 0: no cap */
	/* OpenTelemetry traces (DEP-3) */
	char			*trace_file;		/* "" : tracing off */
	long long		 trace_max_bytes;	/* then renamed to .1 */
	/* live updates (LIVE-1, cgi-bin/live.c) */
	long long		 live_max_clients;	/* then 503 */
	long long		 live_keepalive_s;	/* ": keepalive" */
	long long		 live_idle_s;		/* close when no event */
	long long		 live_poll_ms;		/* watcher interval */
	long long		 live_ticket_ttl_s;
	long long		 live_replay;		/* events on connect */
	long long		 live_replay_max;	/* after Last-Event-ID */
	long long		 live_client_buffer_kb;	/* unsent, then drop */
	/* alert delivery (REP-5, lib/passes/alerts.c) */
	long long		 alert_max_attempts;	/* then failed */
	long long		 alert_retry_base_s;	/* doubles per attempt */
	long long		 alert_connect_timeout_ms;
	long long		 alert_timeout_ms;	/* the whole request */
	/* the quality gate's rules (API-28), a request may override them */
	long long		 gate_max_new_failures;
	int			 gate_severity;	/* low .. critical, 4: off */
	long long		 gate_max_count_drop;
	long long		 gate_min_pass_rate_pct;	/* 0: off */
	/* export jobs (REP-6, the batch `exports` pass) */
	char			*export_dir;	/* "" : exports/ beside db */
	long long		 export_ttl_hours;
	long long		 export_quota_mb;
	/* per project: `gate_KEY.SLUG = V` overrides gate_KEY for SLUG */
	struct config_gate	*gate_projects;
	size_t			 ngate_projects;
	/* gate wait=: the run's newest shard must be this old */
	long long		 gate_settle_seconds;
	/* links in run summaries: "https://testvis.example.com" ("": the
	 * frontend's relative #/ links) */
	char			*public_url;
	/* the batch's history pass copies the pending runs over this many
	 * batches, a slice of the tests each (1: whole at the next batch) */
	long long		 history_copy_slices;
};

/* The gate rules testvis.conf sets for one project (`gate_KEY.SLUG`);
 * set has bit CONFIG_GATE_x for each key given. */
#define CONFIG_GATE_PROJECTS	64	/* at most, with rules */
#define CONFIG_GATE_NEW		0x01
#define CONFIG_GATE_SEVERITY	0x02
#define CONFIG_GATE_DROP	0x04
#define CONFIG_GATE_RATE	0x08
struct config_gate {
	char			 slug[65];
	unsigned		 set;
	long long		 max_new_failures;
	int			 severity;
	long long		 max_count_drop;
	long long		 min_pass_rate_pct;
};

struct config	*config_load(const char *, char *, size_t);
void		 config_free(struct config *);
const struct config_gate *config_gate_project(const struct config *,
		    const char *);

#endif
