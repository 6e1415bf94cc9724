/* daemon.c - background start that reports failures (see daemon.h). */
#include "daemon.h"
#include "log.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

int daemon_start(void)
{
	int fds[2], st;
	pid_t pid;
	char ok;

	if (pipe2(fds, O_CLOEXEC) < 0)
		die("pipe:");
	pid = fork();
	if (pid < 0)
		die("fork:");
	if (pid > 0) {
		close(fds[1]);
		if (read(fds[0], &ok, 1) == 1)
			_exit(0);
		if (waitpid(pid, &st, 0) == pid && WIFEXITED(st))
			_exit(WEXITSTATUS(st) ? WEXITSTATUS(st) : 1);
		_exit(1);
	}
	close(fds[0]);
	setsid();
	return fds[1];
}

void daemon_ready(int *ready_fd)
{
	int null = open("/dev/null", O_RDWR);

	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > 2)
			close(null);
	}
	log_to_syslog();
	if (write(*ready_fd, "k", 1) < 0)
		log_warn("tell the parent we are up:");
	close(*ready_fd);
	*ready_fd = -1;
}
