/* The servers this process started and has not stopped (servers/live.h). */
#include "servers/live.h"

#define LIVE_MAX 64	/* servers live at once: a run's, and those kept between repeats */

static struct {
	pid_t leader, keeper;
} live[LIVE_MAX];
static int n_live;

void live_add(const struct server *s)
{
	if (s->pid <= 0 || n_live == LIVE_MAX)
		return;	/* beyond the table its orphans are claimed only when it is the last */
	live[n_live].leader = s->pid;
	live[n_live].keeper = s->keeper_pid;
	n_live++;
}

void live_remove(pid_t leader)
{
	for (int i = 0; i < n_live; i++)
		if (live[i].leader == leader) {
			live[i] = live[--n_live];
			return;
		}
}

bool live_is_other(pid_t pid, pid_t leader)
{
	for (int i = 0; i < n_live; i++)
		if (live[i].leader != leader && (live[i].leader == pid || live[i].keeper == pid))
			return true;
	return false;
}

bool live_is_keeper(pid_t pid)
{
	for (int i = 0; i < n_live; i++)
		if (pid > 0 && live[i].keeper == pid)
			return true;
	return false;
}

int live_count(void)
{
	return n_live;
}
