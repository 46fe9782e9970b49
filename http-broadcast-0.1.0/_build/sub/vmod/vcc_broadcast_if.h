/*
 * NB:  This file is machine generated, DO NOT EDIT!
 *
 * Edit ../../../vmod/vmod_broadcast.vcc and run make instead
 */

#ifndef VDEF_H_INCLUDED
#  error "Include vdef.h first"
#endif
#ifndef VRT_H_INCLUDED
#  error "Include vrt.h first"
#endif

#define VPFX(a) vmod_##a
#define VARGS(a) arg_vmod_broadcast_##a
#define VENUM(a) enum_vmod_broadcast_##a
//lint -esym(755, VPFX)
//lint -esym(767, VPFX)
//lint -esym(755, VARGS)
//lint -esym(767, VARGS)
//lint -esym(755, VENUM)
//lint -esym(767, VENUM)
//lint -esym(755, VARGS)
//lint -esym(755, VENUM)



vmod_event_f VPFX(event);
struct VPFX(broadcast_hub);
VCL_VOID vmod_hub__init(VRT_CTX, struct VPFX(broadcast_hub) **,
    const char *, VCL_STRING, VCL_STRING, VCL_STRING, VCL_STRING,
    VCL_STRING, VCL_DURATION, VCL_DURATION, VCL_DURATION,
    VCL_STRING, VCL_BOOL, VCL_STRING, VCL_INT);
VCL_VOID vmod_hub__fini(struct VPFX(broadcast_hub) **);
VCL_BOOL vmod_hub_publish(VRT_CTX,
    struct VPFX(broadcast_hub) *);
VCL_BOOL vmod_hub_is_replay(VRT_CTX,
    struct VPFX(broadcast_hub) *);
VCL_STRING vmod_hub_id(VRT_CTX, struct VPFX(broadcast_hub) *);
VCL_STRING vmod_hub_error(VRT_CTX,
    struct VPFX(broadcast_hub) *);

