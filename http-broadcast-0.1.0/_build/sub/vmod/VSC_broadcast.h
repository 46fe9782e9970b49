/*
 * NB:  This file is machine generated, DO NOT EDIT!
 *
 * Edit broadcast.vsc and run lib/libvsc/vsctool.py instead.
 */

struct VSC_broadcast {
	uint64_t	published;
	uint64_t	failed;
	uint64_t	loops;
	uint64_t	bytes;
	uint64_t	publish_usec;
};

#define VSC_broadcast_size PRNDUP(sizeof(struct VSC_broadcast))

struct vsmw_cluster;
struct vsc_seg;

struct VSC_broadcast *VSC_broadcast_New(struct vsmw_cluster *,
    struct vsc_seg **, const char *fmt, ...);
void VSC_broadcast_Destroy(struct vsc_seg **);
