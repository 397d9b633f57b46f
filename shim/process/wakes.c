/*
 * How other members reach a member's wait (members.h): the signals they
 * send it, counted at the target before they are sent so that a wake-up in
 * flight is seen (holder.c), with the latest time they were sent at; and
 * the floor a write to a pipe it waits on lowers (process/deliver.c), the
 * least count it can act at once woken. Atomics only: async-signal-safe.
 */
#include "nodice.h"
#include "tree.h"
#include "members.h"
#include "member_slots.h"
#include "vclock.h"

void nd_member_signalled(int pid)
{
	uint32_t hi = __atomic_load_n(&nd_tree->members_hi, __ATOMIC_ACQUIRE);
	uint64_t now = nd_vclock_now();
	for (uint32_t i = 0; pid > 0 && i < hi; i++) {
		struct nd_member *m = slot((int)i);
		if (__atomic_load_n(&m->pid, __ATOMIC_ACQUIRE) != pid)
			continue;
		__atomic_add_fetch(&m->signals, 1, __ATOMIC_SEQ_CST);
		uint64_t s = __atomic_load_n(&m->signal_vt, __ATOMIC_RELAXED);
		while (s < now && !__atomic_compare_exchange_n(&m->signal_vt, &s, now, 1, __ATOMIC_RELEASE,
							       __ATOMIC_RELAXED))
			;
	}
}

void nd_member_group_signalled(void)
{
	if (nd_tree)
		__atomic_add_fetch(&nd_tree->group_signals, 1, __ATOMIC_SEQ_CST);
}

void nd_member_take_signal_time(void)
{
	if (nd_member_me >= 0)
		nd_vclock_advance_to(__atomic_load_n(&slot(nd_member_me)->signal_vt, __ATOMIC_ACQUIRE));
}

void nd_member_floor_lower(int k, uint64_t c)
{
	if (k < 0 || k >= ND_MEMBERS)
		return;
	struct nd_member *m = slot(k);
	uint64_t have = __atomic_load_n(&m->floor, __ATOMIC_ACQUIRE);
	while (c < have && !__atomic_compare_exchange_n(&m->floor, &have, c, 1, __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE))
		;
	if (c < have)
		nd_member_changed(m);
}

uint64_t nd_member_floor(void)
{
	return nd_member_me >= 0 ? __atomic_load_n(&slot(nd_member_me)->floor, __ATOMIC_ACQUIRE) : ND_NO_FLOOR;
}

void nd_member_floor_clear(uint64_t seen)
{
	if (nd_member_me < 0 || seen == ND_NO_FLOOR)
		return;
	struct nd_member *m = slot(nd_member_me);
	if (__atomic_compare_exchange_n(&m->floor, &seen, ND_NO_FLOOR, 0, __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE))
		nd_member_changed(m);
}
