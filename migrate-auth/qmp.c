/* migrate-auth/qmp.c - a QMP client: lines of JSON over a unix socket */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/proc.h"
#include "lib/util.h"
#include "migrate-auth/qmp.h"

/* A queued event. */
struct qev {
	char name[128];
	json_t *data;
	struct qev *next;
};

struct mdc_qmp {
	int fd;
	int timeout_ms;
	int eof;
	long long next_id;
	char *buf; /* MDC_QMP_MAX_LINE bytes of unparsed input */
	size_t len;
	struct qev *head, *tail;
	size_t nev;
	unsigned long dropped;
};

/* Copy a JSON string member into out (sanitized); "" if absent. */
static void
str_member(const json_t *o, const char *key, char *out, size_t outlen)
{
	const json_t *v = json_object_get(o, key);

	out[0] = '\0';
	if (json_is_string(v))
		mdc_mig_sanitize(json_string_value(v), out, outlen);
}

static int
classify(json_t *root, struct mdc_qmp_msg *m)
{
	json_t *v, *id = json_object_get(root, "id");

	m->id = json_is_integer(id) ? (long long)json_integer_value(id) : -1;
	if ((v = json_object_get(root, "QMP")) != NULL && json_is_object(v)) {
		m->kind = MDC_QMP_GREETING;
	} else if ((v = json_object_get(root, "return")) != NULL) {
		m->kind = MDC_QMP_RETURN;
	} else if ((v = json_object_get(root, "error")) != NULL) {
		if (!json_is_object(v) ||
		    !json_is_string(json_object_get(v, "class")) ||
		    !json_is_string(json_object_get(v, "desc")))
			return MDC_EMALF;
		m->kind = MDC_QMP_ERROR;
		str_member(v, "class", m->eclass, sizeof(m->eclass));
		str_member(v, "desc", m->desc, sizeof(m->desc));
		v = NULL;
	} else if (json_is_string(json_object_get(root, "event"))) {
		m->kind = MDC_QMP_EVENT;
		str_member(root, "event", m->name, sizeof(m->name));
		v = json_object_get(root, "data");
		if (v != NULL && !json_is_object(v))
			return MDC_EMALF;
		if (m->name[0] == '\0')
			return MDC_EMALF;
	} else {
		return MDC_EMALF;
	}
	if (m->kind == MDC_QMP_EVENT && v == NULL)
		m->json = json_object();
	else if (v != NULL)
		m->json = json_incref(v);
	return 0;
}

int
mdc_qmp_parse(const char *line, size_t len, struct mdc_qmp_msg *out)
{
	struct mdc_qmp_msg m;
	json_error_t jerr;
	json_t *root;
	int ret;

	memset(&m, 0, sizeof(m));
	if (len > MDC_QMP_MAX_LINE)
		return MDC_EMALF;
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return MDC_EMALF;
	ret = json_is_object(root) ? classify(root, &m) : MDC_EMALF;
	json_decref(root);
	if (ret != 0) {
		mdc_qmp_msg_clear(&m);
		return ret;
	}
	*out = m;
	return 0;
}

void
mdc_qmp_msg_clear(struct mdc_qmp_msg *m)
{
	if (m == NULL)
		return;
	json_decref(m->json);
	m->json = NULL;
}

/* Milliseconds left until deadline (>= 0). */
static int
left_ms(long long deadline)
{
	long long d = deadline - mdc_now_ms();

	return d < 0 ? 0 : (int)d;
}

/* Read what is there (after waiting up to ms for it). */
static int
fill(struct mdc_qmp *q, int ms, struct mdc_err *e)
{
	struct pollfd p = {q->fd, POLLIN, 0};
	ssize_t n;
	int rc;

	if (q->len >= MDC_QMP_MAX_LINE)
		return mdc_err_set(e, MDC_EMALF,
		                   "QMP: a line longer than %d bytes",
		                   MDC_QMP_MAX_LINE);
	rc = poll(&p, 1, ms);
	if (rc < 0 && errno != EINTR)
		return mdc_err_set(e, mdc_err_from_errno(errno),
		                   "QMP: poll: %s", strerror(errno));
	if (rc <= 0)
		return MDC_EAGAIN;
	n = read(q->fd, q->buf + q->len, MDC_QMP_MAX_LINE - q->len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return MDC_EAGAIN;
	if (n <= 0) {
		q->eof = 1;
		return mdc_err_set(e, MDC_ETRUNC,
		                   "QMP: QEMU closed the "
		                   "monitor");
	}
	q->len += (size_t)n;
	return 0;
}

/* Take one complete line if there is one: 1 = *m filled, 0 = none. */
static int
take_line(struct mdc_qmp *q, struct mdc_qmp_msg *m, struct mdc_err *e)
{
	char *nl = memchr(q->buf, '\n', q->len);
	size_t n;
	int ret;

	if (nl == NULL)
		return 0;
	n = (size_t)(nl - q->buf) + 1;
	ret = mdc_qmp_parse(q->buf, n, m);
	memmove(q->buf, q->buf + n, q->len - n);
	q->len -= n;
	if (ret != 0)
		return mdc_err_set(e, ret,
		                   "QMP: a malformed line from "
		                   "QEMU");
	return 1;
}

/* The next message, waiting until deadline.  0 or MDC_ETIMEDOUT/... */
static int
read_msg(struct mdc_qmp *q, long long deadline, struct mdc_qmp_msg *m,
         struct mdc_err *e)
{
	int ret;

	for (;;) {
		ret = take_line(q, m, e);
		if (ret != 0)
			return ret < 0 ? ret : 0;
		if (q->eof)
			return mdc_err_set(e, MDC_ETRUNC,
			                   "QMP: QEMU closed the monitor");
		ret = fill(q, left_ms(deadline), e);
		if (ret == MDC_EAGAIN && left_ms(deadline) == 0)
			return mdc_err_set(e, MDC_ETIMEDOUT,
			                   "QMP: no answer from QEMU in time");
		if (ret != 0 && ret != MDC_EAGAIN)
			return ret;
	}
}

/* Queue an event (takes m's json); the oldest goes when full. */
static void
queue_event(struct mdc_qmp *q, struct mdc_qmp_msg *m)
{
	struct qev *ev = calloc(1, sizeof(*ev)), *old;

	if (q->nev >= MDC_QMP_MAX_EVENTS || ev == NULL) {
		old = q->head;
		q->dropped++;
		if (ev == NULL || old == NULL) {
			free(ev);
			mdc_qmp_msg_clear(m);
			return;
		}
		q->head = old->next;
		if (q->head == NULL)
			q->tail = NULL;
		json_decref(old->data);
		free(old);
		q->nev--;
	}
	snprintf(ev->name, sizeof(ev->name), "%s", m->name);
	ev->data = m->json;
	m->json = NULL;
	if (q->tail != NULL)
		q->tail->next = ev;
	else
		q->head = ev;
	q->tail = ev;
	q->nev++;
}

/* Write all of buf (with fd as SCM_RIGHTS on the first byte if >= 0). */
static int
send_all(struct mdc_qmp *q, const char *buf, size_t len, int fd,
         long long deadline, struct mdc_err *e)
{
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct iovec iov;
	struct msghdr mh;
	struct pollfd p = {q->fd, POLLOUT, 0};
	ssize_t n;

	while (len > 0) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = (void *)buf;
		iov.iov_len = len;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		if (fd >= 0) {
			memset(&cm, 0, sizeof(cm));
			mh.msg_control = cm.b;
			mh.msg_controllen = sizeof(cm.b);
			CMSG_FIRSTHDR(&mh)->cmsg_level = SOL_SOCKET;
			CMSG_FIRSTHDR(&mh)->cmsg_type = SCM_RIGHTS;
			CMSG_FIRSTHDR(&mh)->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(CMSG_FIRSTHDR(&mh)), &fd, sizeof(int));
		}
		n = sendmsg(q->fd, &mh, MSG_NOSIGNAL);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			fd = -1;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return mdc_err_set(e, mdc_err_from_errno(errno),
			                   "QMP: writing to QEMU: %s",
			                   strerror(errno));
		if (poll(&p, 1, left_ms(deadline)) == 0)
			return mdc_err_set(e, MDC_ETIMEDOUT,
			                   "QMP: QEMU does not read");
	}
	return 0;
}

/* Send {"execute": cmd, "arguments": args, "id": id}; args stolen. */
static int
send_cmd(struct mdc_qmp *q, const char *cmd, json_t *args, long long id, int fd,
         long long deadline, struct mdc_err *e)
{
	json_t *o =
	        json_pack("{s:s,s:I}", "execute", cmd, "id", (json_int_t)id);
	char *text = NULL, *line = NULL;
	int ret;

	if (o == NULL ||
	    (args != NULL && json_object_set(o, "arguments", args) != 0) ||
	    (text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII)) == NULL ||
	    (line = mdc_strdupf("%s\n", text)) == NULL)
		ret = mdc_err_set(e, MDC_ENOMEM, "QMP: out of memory");
	else
		ret = send_all(q, line, strlen(line), fd, deadline, e);
	json_decref(args);
	json_decref(o);
	free(text);
	free(line);
	return ret;
}

/* Wait for the reply to id; events meanwhile are queued, stale replies
 * (of commands that timed out before) dropped. */
static int
wait_reply(struct mdc_qmp *q, const char *cmd, long long id, long long deadline,
           json_t **ret_out, struct mdc_err *e)
{
	struct mdc_qmp_msg m;
	int ret;

	for (;;) {
		if ((ret = read_msg(q, deadline, &m, e)) != 0)
			return ret;
		if (m.kind == MDC_QMP_EVENT) {
			queue_event(q, &m);
			continue;
		}
		if ((m.kind != MDC_QMP_RETURN && m.kind != MDC_QMP_ERROR) ||
		    m.id != id) {
			mdc_qmp_msg_clear(&m);
			continue;
		}
		break;
	}
	if (m.kind == MDC_QMP_ERROR) {
		ret = mdc_err_set(e, MDC_EINVAL, "%s: %s: %s", cmd, m.eclass,
		                  m.desc);
	} else if (ret_out != NULL) {
		*ret_out = m.json;
		m.json = NULL;
	}
	mdc_qmp_msg_clear(&m);
	return ret;
}

/* exec with an optional fd passed along. */
static int
exec_fd(struct mdc_qmp *q, const char *cmd, json_t *args, int fd,
        json_t **ret_out, struct mdc_err *e)
{
	long long deadline = mdc_now_ms() + q->timeout_ms;
	long long id = q->next_id++;
	int ret;

	if (ret_out != NULL)
		*ret_out = NULL;
	if (args != NULL && !json_is_object(args)) {
		json_decref(args);
		return mdc_err_set(e, MDC_EINVAL,
		                   "%s: arguments are not "
		                   "an object",
		                   cmd);
	}
	if (q->eof) {
		json_decref(args);
		return mdc_err_set(e, MDC_ETRUNC,
		                   "QMP: QEMU closed the "
		                   "monitor");
	}
	if ((ret = send_cmd(q, cmd, args, id, fd, deadline, e)) != 0)
		return ret;
	return wait_reply(q, cmd, id, deadline, ret_out, e);
}

int
mdc_qmp_exec(struct mdc_qmp *q, const char *cmd, json_t *args, json_t **ret_out,
             struct mdc_err *e)
{
	return exec_fd(q, cmd, args, -1, ret_out, e);
}

int
mdc_qmp_execf(struct mdc_qmp *q, const char *cmd, json_t **ret_out,
              struct mdc_err *e, const char *fmt, ...)
{
	json_error_t jerr;
	json_t *args = NULL;
	va_list ap;

	if (fmt != NULL) {
		va_start(ap, fmt);
		args = json_vpack_ex(&jerr, 0, fmt, ap);
		va_end(ap);
		if (args == NULL)
			return mdc_err_set(e, MDC_EINVAL,
			                   "%s: bad arguments: %s", cmd,
			                   jerr.text);
	}
	return exec_fd(q, cmd, args, -1, ret_out, e);
}

int
mdc_qmp_getfd(struct mdc_qmp *q, int fd, const char *fdname, struct mdc_err *e)
{
	json_t *args = json_pack("{s:s}", "fdname", fdname);

	if (args == NULL)
		return mdc_err_set(e, MDC_ENOMEM, "QMP: out of memory");
	if (fd < 0) {
		json_decref(args);
		return mdc_err_set(e, MDC_EINVAL, "getfd: no fd");
	}
	return exec_fd(q, "getfd", args, fd, NULL, e);
}

/* Does an event match name and data[key] == value? */
static int
ev_match(const char *evname, const json_t *data, const char *name,
         const char *key, const char *value)
{
	const json_t *v;

	if (strcmp(evname, name) != 0)
		return 0;
	if (key == NULL)
		return 1;
	v = json_object_get(data, key);
	return json_is_string(v) && strcmp(json_string_value(v), value) == 0;
}

/* Take the first queued event matching; 1 if found. */
static int
take_queued(struct mdc_qmp *q, const char *name, const char *key,
            const char *value, json_t **data_out)
{
	struct qev *ev, *prev = NULL;

	for (ev = q->head; ev != NULL; prev = ev, ev = ev->next) {
		if (!ev_match(ev->name, ev->data, name, key, value))
			continue;
		if (prev != NULL)
			prev->next = ev->next;
		else
			q->head = ev->next;
		if (q->tail == ev)
			q->tail = prev;
		q->nev--;
		if (data_out != NULL)
			*data_out = ev->data;
		else
			json_decref(ev->data);
		free(ev);
		return 1;
	}
	return 0;
}

int
mdc_qmp_wait_event(struct mdc_qmp *q, const char *name, const char *key,
                   const char *value, int timeout_ms, json_t **data_out,
                   struct mdc_err *e)
{
	long long deadline = mdc_now_ms() + timeout_ms;
	struct mdc_qmp_msg m;
	int ret;

	if (data_out != NULL)
		*data_out = NULL;
	if (key != NULL && value == NULL)
		return mdc_err_set(e, MDC_EINVAL, "QMP: key without value");
	if (take_queued(q, name, key, value, data_out))
		return 0;
	for (;;) {
		ret = read_msg(q, deadline, &m, e);
		if (ret == MDC_ETIMEDOUT)
			return mdc_err_set(e, ret,
			                   "QMP: no %s event in "
			                   "%d ms",
			                   name, timeout_ms);
		if (ret != 0)
			return ret;
		if (m.kind != MDC_QMP_EVENT) {
			mdc_qmp_msg_clear(&m);
			continue;
		}
		if (ev_match(m.name, m.json, name, key, value)) {
			if (data_out != NULL) {
				*data_out = m.json;
				m.json = NULL;
			}
			mdc_qmp_msg_clear(&m);
			return 0;
		}
		queue_event(q, &m);
	}
}

int
mdc_qmp_pump(struct mdc_qmp *q, int timeout_ms, struct mdc_err *e)
{
	struct mdc_qmp_msg m;
	int ret;

	if (q->eof)
		return mdc_err_set(e, MDC_ETRUNC,
		                   "QMP: QEMU closed the "
		                   "monitor");
	ret = fill(q, timeout_ms, e);
	if (ret != 0 && ret != MDC_EAGAIN)
		return ret;
	while ((ret = take_line(q, &m, e)) == 1) {
		if (m.kind == MDC_QMP_EVENT)
			queue_event(q, &m);
		else
			mdc_qmp_msg_clear(&m);
	}
	return ret;
}

int
mdc_qmp_next_event(struct mdc_qmp *q, char *name_out, size_t namelen,
                   json_t **data_out)
{
	struct qev *ev = q->head;

	if (data_out != NULL)
		*data_out = NULL;
	if (ev == NULL)
		return MDC_ENOENT;
	q->head = ev->next;
	if (q->head == NULL)
		q->tail = NULL;
	q->nev--;
	snprintf(name_out, namelen, "%s", ev->name);
	if (data_out != NULL)
		*data_out = ev->data;
	else
		json_decref(ev->data);
	free(ev);
	return 0;
}

unsigned long
mdc_qmp_dropped(const struct mdc_qmp *q)
{
	return q->dropped;
}

int
mdc_qmp_fd(const struct mdc_qmp *q)
{
	return q->fd;
}

void
mdc_qmp_set_timeout(struct mdc_qmp *q, int timeout_ms)
{
	if (timeout_ms > 0)
		q->timeout_ms = timeout_ms;
}

void
mdc_qmp_close(struct mdc_qmp *q)
{
	struct qev *ev;

	if (q == NULL)
		return;
	while ((ev = q->head) != NULL) {
		q->head = ev->next;
		json_decref(ev->data);
		free(ev);
	}
	if (q->fd >= 0)
		close(q->fd);
	free(q->buf);
	free(q);
}

/* A non-blocking unix stream socket connected to path. */
static int
unix_connect(const char *path, int *fd_out, struct mdc_err *e)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return mdc_err_set(e, MDC_ESPACE,
		                   "%s: path too long for "
		                   "a unix socket",
		                   path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return mdc_err_set(e, mdc_err_from_errno(errno), "socket: %s",
		                   strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int err = errno;

		close(fd);
		return mdc_err_set(e, mdc_err_from_errno(err),
		                   "QMP: connecting to %s: %s", path,
		                   strerror(err));
	}
	*fd_out = fd;
	return 0;
}

int
mdc_qmp_attach(int fd, int timeout_ms, struct mdc_qmp **q_out,
               struct mdc_err *e)
{
	struct mdc_qmp *q = calloc(1, sizeof(*q));
	struct mdc_qmp_msg m;
	int ret, fl;

	*q_out = NULL;
	if (q == NULL || (q->buf = malloc(MDC_QMP_MAX_LINE)) == NULL) {
		free(q);
		close(fd);
		return mdc_err_set(e, MDC_ENOMEM, "QMP: out of memory");
	}
	q->fd = fd;
	q->next_id = 1;
	q->timeout_ms = timeout_ms > 0 ? timeout_ms : MDC_QMP_TIMEOUT_MS;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) {
		ret = mdc_err_set(e, mdc_err_from_errno(errno),
		                  "QMP: fcntl: %s", strerror(errno));
		goto out;
	}
	/* QEMU greets first; nothing else comes before negotiation */
	do {
		ret = read_msg(q, mdc_now_ms() + q->timeout_ms, &m, e);
		if (ret != 0)
			goto out;
		mdc_qmp_msg_clear(&m);
	} while (m.kind != MDC_QMP_GREETING);
	if ((ret = mdc_qmp_exec(q, "qmp_capabilities", NULL, NULL, e)) != 0)
		goto out;
	*q_out = q;
	q = NULL;
out:
	mdc_qmp_close(q);
	return ret;
}

int
mdc_qmp_connect(const char *path, int timeout_ms, struct mdc_qmp **q_out,
                struct mdc_err *e)
{
	int fd = -1, ret;

	*q_out = NULL;
	if ((ret = unix_connect(path, &fd, e)) != 0)
		return ret;
	return mdc_qmp_attach(fd, timeout_ms, q_out, e);
}
