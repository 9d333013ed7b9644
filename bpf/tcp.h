/* TCP group: shared layouts. */
#pragma once
#include "common.h"

/* Per-CPU, one entry: events on server-side sockets (local port = the
 * server's port) inside the window. */
struct tcp_stat {
	__u64 established;	/* connections that completed the handshake */
	__u64 retransmits;	/* tcp_retransmit_skb */
	__u64 synack_retransmits;	/* tcp_retransmit_synack (listener) */
	__u64 resets_sent;
	__u64 resets_received;
};
