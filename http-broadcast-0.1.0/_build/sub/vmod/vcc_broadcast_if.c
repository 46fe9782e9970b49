/*
 * NB:  This file is machine generated, DO NOT EDIT!
 *
 * Edit ../../../vmod/vmod_broadcast.vcc and run make instead
 */

#include "config.h"
#include "vdef.h"
#include "vrt.h"
#include "vcc_broadcast_if.h"
#include "vmod_abi.h"


struct VPFX(broadcast_hub);
typedef VCL_VOID td_vmod_broadcast_hub__init(VRT_CTX,
    struct VPFX(broadcast_hub) **, const char *, VCL_STRING,
    VCL_STRING, VCL_STRING, VCL_STRING, VCL_STRING, VCL_DURATION,
    VCL_DURATION, VCL_DURATION, VCL_STRING, VCL_BOOL, VCL_STRING,
    VCL_INT);
typedef VCL_VOID td_vmod_broadcast_hub__fini(struct VPFX(
    broadcast_hub) **);
typedef VCL_BOOL td_vmod_broadcast_hub_publish(VRT_CTX,
    struct VPFX(broadcast_hub) *);
typedef VCL_BOOL td_vmod_broadcast_hub_is_replay(VRT_CTX,
    struct VPFX(broadcast_hub) *);
typedef VCL_STRING td_vmod_broadcast_hub_id(VRT_CTX,
    struct VPFX(broadcast_hub) *);
typedef VCL_STRING td_vmod_broadcast_hub_error(VRT_CTX,
    struct VPFX(broadcast_hub) *);


struct Vmod_vmod_broadcast_Func {
	vmod_event_f			*_event;
	td_vmod_broadcast_hub__init	*hub__init;
	td_vmod_broadcast_hub__fini	*hub__fini;
	td_vmod_broadcast_hub_publish	*hub_publish;
	td_vmod_broadcast_hub_is_replay	*hub_is_replay;
	td_vmod_broadcast_hub_id	*hub_id;
	td_vmod_broadcast_hub_error	*hub_error;

};

/*lint -esym(754, Vmod_vmod_broadcast_Func::*) */

static const struct Vmod_vmod_broadcast_Func Vmod_vmod_broadcast_Func = {
	._event =			vmod_event,
	.hub__init =			vmod_hub__init,
	.hub__fini =			vmod_hub__fini,
	.hub_publish =			vmod_hub_publish,
	.hub_is_replay =		vmod_hub_is_replay,
	.hub_id =			vmod_hub_id,
	.hub_error =			vmod_hub_error,


};

static const char Vmod_Proto[] =
	"#define VPFX(a) vmod_##a\n"
	"#define VARGS(a) arg_vmod_broadcast_##a\n"
	"#define VENUM(a) enum_vmod_broadcast_##a\n"
	"//lint -esym(755, VPFX)\n"
	"//lint -esym(767, VPFX)\n"
	"//lint -esym(755, VARGS)\n"
	"//lint -esym(767, VARGS)\n"
	"//lint -esym(755, VENUM)\n"
	"//lint -esym(767, VENUM)\n"
	"//lint -esym(755, VARGS)\n"
	"//lint -esym(755, VENUM)\n"
	"\n"
	"struct VPFX(broadcast_hub);\n"
	"typedef VCL_VOID td_vmod_broadcast_hub__init(VRT_CTX,\n"
	"    struct VPFX(broadcast_hub) **, const char *, VCL_STRING,\n"
	"    VCL_STRING, VCL_STRING, VCL_STRING, VCL_STRING, VCL_DURATION,\n"
	"    VCL_DURATION, VCL_DURATION, VCL_STRING, VCL_BOOL, VCL_STRING,\n"
	"    VCL_INT);\n"
	"typedef VCL_VOID td_vmod_broadcast_hub__fini(struct VPFX(\n"
	"    broadcast_hub) **);\n"
	"typedef VCL_BOOL td_vmod_broadcast_hub_publish(VRT_CTX,\n"
	"    struct VPFX(broadcast_hub) *);\n"
	"typedef VCL_BOOL td_vmod_broadcast_hub_is_replay(VRT_CTX,\n"
	"    struct VPFX(broadcast_hub) *);\n"
	"typedef VCL_STRING td_vmod_broadcast_hub_id(VRT_CTX,\n"
	"    struct VPFX(broadcast_hub) *);\n"
	"typedef VCL_STRING td_vmod_broadcast_hub_error(VRT_CTX,\n"
	"    struct VPFX(broadcast_hub) *);\n"
	"\n"
	"/* Functions */\n"
	"\n"
	"struct Vmod_vmod_broadcast_Func {\n"
	"	vmod_event_f			*_event;\n"
	"	td_vmod_broadcast_hub__init	*hub__init;\n"
	"	td_vmod_broadcast_hub__fini	*hub__fini;\n"
	"	td_vmod_broadcast_hub_publish	*hub_publish;\n"
	"	td_vmod_broadcast_hub_is_replay	*hub_is_replay;\n"
	"	td_vmod_broadcast_hub_id	*hub_id;\n"
	"	td_vmod_broadcast_hub_error	*hub_error;\n"
	"\n"
	"};\n"
	"#undef VPFX\n"
	"#undef VARGS\n"
	"#undef VENUM\n"
	"static struct Vmod_vmod_broadcast_Func Vmod_vmod_broadcast_Func;";

static const char Vmod_Json[] = {
	"[ "
	"  [ "
	"    \"$VMOD\", "
	"    \"1.0\" "
	"  ], "
	"  [ "
	"    \"$EVENT\", "
	"    \"Vmod_vmod_broadcast_Func._event\" "
	"  ], "
	"  [ "
	"    \"$OBJ\", "
	"    \"hub\", "
	"    { "
	"      \"NULL_OK\": false "
	"    }, "
	"    \"struct vmod_broadcast_hub\", "
	"    [ "
	"      \"$INIT\", "
	"      [ "
	"        [ "
	"          \"VOID\" "
	"        ], "
	"        \"Vmod_vmod_broadcast_Func.hub__init\", "
	"        \"\", "
	"        [ "
	"          \"STRING\", "
	"          \"endpoint\" "
	"        ], "
	"        [ "
	"          \"STRING\", "
	"          \"topic\", "
	"          \"\\\"\\\"\" "
	"        ], "
	"        [ "
	"          \"STRING\", "
	"          \"token\", "
	"          \"\\\"\\\"\" "
	"        ], "
	"        [ "
	"          \"STRING\", "
	"          \"jwt_key\", "
	"          \"\\\"\\\"\" "
	"        ], "
	"        [ "
	"          \"STRING\", "
	"          \"jwt_algorithm\", "
	"          \"\\\"HS256\\\"\" "
	"        ], "
	"        [ "
	"          \"DURATION\", "
	"          \"jwt_ttl\", "
	"          \"600\" "
	"        ], "
	"        [ "
	"          \"DURATION\", "
	"          \"timeout\", "
	"          \"5\" "
	"        ], "
	"        [ "
	"          \"DURATION\", "
	"          \"connect_timeout\", "
	"          \"0\" "
	"        ], "
	"        [ "
	"          \"STRING\", "
	"          \"guard_token\", "
	"          \"\\\"\\\"\" "
	"        ], "
	"        [ "
	"          \"BOOL\", "
	"          \"private\", "
	"          \"1\" "
	"        ], "
	"        [ "
	"          \"STRING\", "
	"          \"exclude_headers\", "
	"          \"\\\"Authorization, Cookie, Proxy-Authorization\\\"\" "
	"        ], "
	"        [ "
	"          \"INT\", "
	"          \"max_connections\", "
	"          \"16\" "
	"        ] "
	"      ] "
	"    ], "
	"    [ "
	"      \"$FINI\", "
	"      [ "
	"        [ "
	"          \"VOID\" "
	"        ], "
	"        \"Vmod_vmod_broadcast_Func.hub__fini\", "
	"        \"\" "
	"      ] "
	"    ], "
	"    [ "
	"      \"$METHOD\", "
	"      \"publish\", "
	"      [ "
	"        [ "
	"          \"BOOL\" "
	"        ], "
	"        \"Vmod_vmod_broadcast_Func.hub_publish\", "
	"        \"\" "
	"      ] "
	"    ], "
	"    [ "
	"      \"$METHOD\", "
	"      \"is_replay\", "
	"      [ "
	"        [ "
	"          \"BOOL\" "
	"        ], "
	"        \"Vmod_vmod_broadcast_Func.hub_is_replay\", "
	"        \"\" "
	"      ] "
	"    ], "
	"    [ "
	"      \"$METHOD\", "
	"      \"id\", "
	"      [ "
	"        [ "
	"          \"STRING\" "
	"        ], "
	"        \"Vmod_vmod_broadcast_Func.hub_id\", "
	"        \"\" "
	"      ] "
	"    ], "
	"    [ "
	"      \"$METHOD\", "
	"      \"error\", "
	"      [ "
	"        [ "
	"          \"STRING\" "
	"        ], "
	"        \"Vmod_vmod_broadcast_Func.hub_error\", "
	"        \"\" "
	"      ] "
	"    ] "
	"  ] "
	"]\n"
};

/*lint -esym(714, Vmod_broadcast_Data) */
/*lint -esym(759, Vmod_broadcast_Data) */
/*lint -esym(765, Vmod_broadcast_Data) */

extern const struct vmod_data Vmod_broadcast_Data;

const struct vmod_data Vmod_broadcast_Data = {
	.vrt_major =	0,
	.vrt_minor =	0,
	.name =		"broadcast",
	.func =		&Vmod_vmod_broadcast_Func,
	.func_len =	sizeof(Vmod_vmod_broadcast_Func),
	.func_name =	"Vmod_vmod_broadcast_Func",
	.proto =	Vmod_Proto,
	.json =		Vmod_Json,
	.abi =		VMOD_ABI_Version,
	.file_id =	"dfef62c2aece1b05fb10798923956f42b2a37d3c072ff09b8fe8a650ded4e299",
};
