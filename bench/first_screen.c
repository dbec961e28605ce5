/* first_screen.c — a full-screen program on a pseudo-terminal, measured:
 * time to its first full screen, idle CPU afterwards, peak RSS.
 *
 *   first_screen [--idle SECONDS] [--size COLSxROWS] PATTERN CMD [ARGS...]
 *
 * Runs CMD on a pty of 120x40 (TERM=xterm-256color, LANG=C.UTF-8). The first
 * screen is the first burst of output that contains PATTERN (plain text the
 * program prints once its figures are up, e.g. "month" or "load average"),
 * ended by 100 ms of silence; its time is from fork to that burst's last
 * byte. Then, after a 1 s settle, CPU (user + system) is read from /proc over
 * --idle seconds (default 30) while nothing is typed. Prints one line:
 * "first_ms N cpu_pct X hwm_kb N", and stops CMD with SIGTERM.
 */
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* utime + stime of pid in seconds; -1 when gone. */
static double
cpu_s(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), f) == NULL || (p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2) {
		fclose(f);
		return -1;
	}
	fclose(f);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static long
hwm_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmHWM: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* Read what the pty has within wait_ms; returns bytes read, -1 at EOF. */
static ssize_t
drain(int fd, int wait_ms, char **buf, size_t *len, size_t *cap)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	ssize_t n;

	if (poll(&pfd, 1, wait_ms) <= 0)
		return 0;
	if (*len + 65536 > *cap) {
		*cap = (*cap + 65536) * 2;
		if ((*buf = realloc(*buf, *cap)) == NULL)
			exit(1);
	}
	n = read(fd, *buf + *len, 65536);
	if (n <= 0)
		return n == 0 || errno != EINTR ? -1 : 0;
	*len += (size_t)n;
	return n;
}

int
main(int argc, char **argv)
{
	struct winsize ws = { 40, 120, 0, 0 };
	double idle = 30, t0, last = 0, first = -1, c0, c1, until;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	const char *pat;
	int fd, a = 1, cols, rows;
	ssize_t n;
	pid_t pid;
	long hwm;

	for (; a + 1 < argc && argv[a][0] == '-'; a += 2) {
		if (strcmp(argv[a], "--idle") == 0)
			idle = atof(argv[a + 1]);
		else if (strcmp(argv[a], "--size") == 0 &&
		    sscanf(argv[a + 1], "%dx%d", &cols, &rows) == 2) {
			ws.ws_col = (unsigned short)cols;
			ws.ws_row = (unsigned short)rows;
		} else
			break;
	}
	if (argc - a < 2) {
		fprintf(stderr, "usage: first_screen [--idle S] [--size CxR] PATTERN CMD [ARGS...]\n");
		return 2;
	}
	pat = argv[a];
	t0 = now_ms();
	if ((pid = forkpty(&fd, NULL, NULL, &ws)) < 0) {
		perror("forkpty");
		return 1;
	}
	if (pid == 0) {
		setenv("TERM", "xterm-256color", 1);
		setenv("LANG", "C.UTF-8", 1);
		execvp(argv[a + 1], argv + a + 1);
		_exit(127);
	}
	/* the first burst with the pattern in it, ended by 100 ms of quiet */
	while (now_ms() - t0 < 20000) {
		n = drain(fd, 10, &buf, &len, &cap);
		if (n < 0)
			break;
		if (n > 0)
			last = now_ms();
		if (first < 0 && len > 0 && memmem(buf, len, pat, strlen(pat)) != NULL)
			first = 0;
		if (first == 0 && now_ms() - last >= 100) {
			first = last - t0;
			break;
		}
	}
	/* idle: keep reading so the program never blocks on a full pty */
	for (until = now_ms() + 1000; now_ms() < until;)
		if (drain(fd, 10, &buf, &len, &cap) < 0)
			break;
	c0 = cpu_s(pid);
	for (until = now_ms() + idle * 1000; now_ms() < until;)
		if (drain(fd, 10, &buf, &len, &cap) < 0)
			break;
	c1 = cpu_s(pid);
	hwm = hwm_kb(pid);
	kill(pid, SIGTERM);
	for (until = now_ms() + 2000; now_ms() < until;)
		if (drain(fd, 10, &buf, &len, &cap) < 0)
			break;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	printf("first_ms %.0f cpu_pct %.2f hwm_kb %ld\n", first > 0 ? first : -1,
	    c0 >= 0 && c1 >= 0 && idle > 0 ? (c1 - c0) * 100 / idle : -1, hwm);
	free(buf);
	return first > 0 && c1 >= 0 ? 0 : 1;
}
