/* screen_batches_int.h — the Batches screen's state, shared by its keys
 * (screen_batches.c) and its drawing (screen_batches_draw.c). */
#ifndef TOKENTOP_SCREEN_BATCHES_INT_H
#define TOKENTOP_SCREEN_BATCHES_INT_H

#include "tui/console.h"
#include "tui/view.h"

enum bmode { M_LIST, M_DETAIL };
enum bprompt { P_NONE, P_FILTER, P_FILE, P_CONFIRM_SUBMIT, P_CONFIRM_CANCEL, P_SAVE };

struct batches {
	enum bmode         mode;
	enum bprompt       prompt;
	struct view_input  input, filter;
	struct batch_rec  *all;
	size_t             nall;
	size_t            *shown;          /* indexes into all, filtered */
	size_t             nshown;
	int                sel, top, err_top;
	char               sel_id[USAGE_ID_MAX];  /* the cursor follows the batch, not the row */
	char               act_id[USAGE_ID_MAX];  /* the batch the open prompt names */
	char               act_words[320];        /* …in words: id, tag, requests */
	char               detail_id[USAGE_ID_MAX];
	struct batch_rec   detail;
	int                have_detail;
	char             **err_ids, **err_msgs;
	size_t             nerr;
	struct batch_check check;          /* the launch dialog's check */
	int                provider;       /* the launch dialog's provider (enum provider_id) */
	char               check_note[160]; /* e.g. "the file changed: checked again" */
};

/* Drawing (screen_batches_draw.c). */
void batches_draw_list(struct console *c, struct batches *s);
void batches_draw_detail(struct console *c, struct batches *s);
void batches_draw_dialog(struct console *c, struct batches *s);
/* Rows the list shows; the first is on screen line BATCHES_LIST_Y. */
#define BATCHES_LIST_Y 3
int  batches_list_rows(const struct console *c, const struct batches *s);
/* The bottom line while a prompt is open; 0 when none is (draw the keys). */
int  batches_draw_prompt(struct console *c, struct batches *s);

/* Who can act on a batch of provider (its name, "" = anthropic): its API
 * key is configured. */
int  batches_have_key(const struct console *c, const char *provider);

#endif
