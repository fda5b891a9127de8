/*
 * testvis-exports: REP-6's export jobs.  POST /api/exports queues a job
 * ({format, query}: a run's results, a test's history, the catalogue or
 * a saved report as csv, ndjson, json, junit or xlsx); GET
 * /api/exports/{job_id} answers its status and progress, GET
 * /api/exports/{job_id}/download streams its file once the batch
 * `exports` pass has written it, GET /api/exports lists a project's
 * jobs.  Handlers call lib/views/exportjobs.c; nothing is cached.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "exportfmt.h"
#include "exportjobs.h"
#include "fault.h"
#include "http.h"
#include "log.h"
#include "tvtime.h"

static const char *const json_types[] = { "application/json", NULL };

/* The largest request body accepted, in bytes. */
#define BODY_MAX	16384

/* The path segment of /api/exports/{job_id}. */
enum p_job {
	PJ_ID,
	PJ__MAX
};
static const struct param_spec p_job[PJ__MAX + 1] = {
	[PJ_ID] = { "job_id", PARAM_HEX, 1, 1, 64, NULL, 0 },
};

/* The query keys of GET /api/exports. */
enum q_list {
	QL_LIMIT,
	QL_CURSOR,
	QL__MAX
};
static const struct param_spec q_list[QL__MAX + 1] = {
	[QL_LIMIT] = { "limit", PARAM_INT, 0, 1, 100, NULL, 20 },
	[QL_CURSOR] = { "cursor", PARAM_INT, 0, 1, INT64_MAX, NULL, 0 },
};

/* Where the answers' links point for request r. */
static struct exportjobs_site
site(struct req *r)
{
	struct exportjobs_site w = { req_config(r)->base_path, req_project(r) };

	return w;
}

/*
 * POST /api/exports {format, query}: 202 {job_id, status, href}; 400
 * naming the key at fault; 404 naming the run, test or report the query
 * names; 413; 415; 507 when the export files already take
 * export_quota_mb.
 */
static int
h_create(struct req *r)
{
	struct exportjobs_site w = site(r);
	struct fault f;
	json_t *body, *out = NULL;
	int rc;

	memset(&f, 0, sizeof(f));
	if ((rc = req_body_json(r, BODY_MAX, &body)) != 0)
		return rc;
	rc = exportjobs_create(req_db(r), req_project_id(r), req_config(r), &w,
	    body, tvtime_now_ms(), &out, &f);
	json_decref(body);
	if (rc == -1)
		return req_fault(r, &f);
	if (rc == EXPORTJOBS_QUOTA)
		return req_error(r, 507, "quota_exceeded", NULL, "the export "
		    "files take export_quota_mb (%lld MB) already: download "
		    "and let old exports expire, or raise the quota",
		    (long long)req_config(r)->export_quota_mb);
	if (rc != 1)
		return 503;
	return req_json(r, 202, out);
}

/* GET /api/exports/{job_id}: 200 the job's status and progress; 404. */
static int
h_get(struct req *r)
{
	struct exportjobs_site w = site(r);
	json_t *out = NULL;
	int rc;

	rc = exportjobs_get(req_db(r), req_project_id(r), &w, req_path(r,
	    PJ_ID), tvtime_now_ms(), &out);
	if (rc == 0)
		return req_not_found(r, "no export '%s' in project '%s'",
		    req_path(r, PJ_ID), req_project(r));
	return req_view(r, rc, out);
}

/* GET /api/exports: 200 {exports, next_cursor}, the newest first. */
static int
h_list(struct req *r)
{
	struct exportjobs_site w = site(r);
	json_t *out = NULL;
	int rc;

	rc = exportjobs_list(req_db(r), req_project_id(r), &w,
	    req_int(r, QL_CURSOR), (int)req_int(r, QL_LIMIT), tvtime_now_ms(),
	    &out);
	return req_view(r, rc, out);
}

/*
 * GET /api/exports/{job_id}/download: 200 the file, streamed, with its
 * Content-Type and a Content-Disposition name; 409 while queued or
 * running, or when it failed; 410 once expired; 404.
 */
static int
h_download(struct req *r)
{
	struct exportjobs_file file;
	const char *id = req_path(r, PJ_ID);
	char disp[200], chunk[65536];
	size_t n;
	FILE *fp;
	int rc;

	rc = exportjobs_file(req_db(r), req_project_id(r), req_config(r), id,
	    tvtime_now_ms(), &file);
	if (rc == 0)
		return req_not_found(r, "no export '%s' in project '%s'", id,
		    req_project(r));
	if (rc == -1)
		return 503;
	if (strcmp(file.status, "expired") == 0)
		return req_error(r, 410, "expired", NULL, "export '%s' has "
		    "expired: ask for it again", id);
	if (strcmp(file.status, "done") != 0)
		return req_error(r, 409, "not_ready", NULL, "export '%s' is %s"
		    "%s", id, file.status, strcmp(file.status, "failed") == 0 ?
		    ": see its error" : ": wait for the batch exports pass");
	if (file.path[0] == '\0' || file.format < 0 ||
	    (fp = fopen(file.path, "r")) == NULL) {
		log_error("export '%s': %s: %s", id, file.path,
		    strerror(errno));
		return req_error(r, 410, "expired", NULL, "the file of export "
		    "'%s' is gone", id);
	}
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", file.name);
	req_header(r, "Content-Disposition", disp);
	req_stream(r, export_types[file.format]);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		req_stream_write(r, chunk, n);
	if (ferror(fp))
		log_error("export '%s': reading %s failed (the download is cut "
		    "short)", id, file.path);
	fclose(fp);
	return 200;
}

static const struct route routes[] = {
	{ HTTP_GET, "/api/exports", SCOPE_READ, ROUTE_READ, NULL, q_list, NULL,
	    h_list },
	{ HTTP_POST, "/api/exports", SCOPE_READ, ROUTE_READ, NULL, NULL,
	    json_types, h_create },
	{ HTTP_GET, "/api/exports/{job_id}", SCOPE_READ, ROUTE_READ, p_job,
	    NULL, NULL, h_get },
	{ HTTP_GET, "/api/exports/{job_id}/download", SCOPE_READ, ROUTE_READ,
	    p_job, NULL, NULL, h_download },
};

static const struct app app = {
	"testvis-exports", routes, sizeof(routes) / sizeof(routes[0]), NULL, 0
};

/* Serves the routes above (lib/web/http.c); `--routes` lists them. */
int
main(int argc, char **argv)
{
	return http_main(&app, argc, argv);
}
