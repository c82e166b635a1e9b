// glassbox-llamacpp-logits: a small driver over libllama, built by build-llamacpp.sh, used only by
// scripts/reference/llamacpp-crosscheck.mjs as the llama.cpp oracle.
//   teacher  MODEL.gguf ID,ID,...     → one line of JSON: {"logits": [[...] per position]}
//   greedy   MODEL.gguf ID,ID,... N   → one line of JSON: {"ids": [N greedy ids]} (stops early at EOG)
//   dequant  GGML_TYPE IN OUT N       → OUT = N floats from ggml's own to_float on the blocks in IN
//   quant    GGML_TYPE IN OUT ROWS ROWLEN → OUT = ggml_quantize_chunk of ROWS × ROWLEN floats (no imatrix)
// Flash attention off, one thread, f32 KV cache: the settings the cross-check compares against.
#include "llama.h"
#include "ggml.h"
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

static std::vector<llama_token> parse_ids(const char * s) {
    std::vector<llama_token> ids;
    while (*s) { ids.push_back((llama_token) strtol(s, (char **) &s, 10)); if (*s == ',') s++; }
    return ids;
}

static void quiet(ggml_log_level, const char *, void *) {}

static int dequant(int type, const char * in_path, const char * out_path, int64_t n) {
    const ggml_type_traits * traits = ggml_get_type_traits((ggml_type) type);
    FILE * in = fopen(in_path, "rb");
    if (!in || !traits->to_float) { fprintf(stderr, "cannot dequantize type %d from %s\n", type, in_path); return 1; }
    std::vector<uint8_t> bytes(ggml_row_size((ggml_type) type, n));
    if (fread(bytes.data(), 1, bytes.size(), in) != bytes.size()) { fprintf(stderr, "short read\n"); return 1; }
    fclose(in);
    std::vector<float> out(n);
    traits->to_float(bytes.data(), out.data(), n);
    FILE * o = fopen(out_path, "wb");
    fwrite(out.data(), sizeof(float), n, o);
    fclose(o);
    return 0;
}

static int quant(int type, const char * in_path, const char * out_path, int64_t rows, int64_t row_len) {
    std::vector<float> src(rows * row_len);
    FILE * in = fopen(in_path, "rb");
    if (!in || fread(src.data(), sizeof(float), src.size(), in) != src.size()) { fprintf(stderr, "short read %s\n", in_path); return 1; }
    fclose(in);
    std::vector<uint8_t> dst(rows * ggml_row_size((ggml_type) type, row_len));
    ggml_quantize_init((ggml_type) type);
    const size_t written = ggml_quantize_chunk((ggml_type) type, src.data(), dst.data(), 0, rows, row_len, nullptr);
    FILE * o = fopen(out_path, "wb");
    fwrite(dst.data(), 1, written, o);
    fclose(o);
    return 0;
}

int main(int argc, char ** argv) {
    if (argc < 4) { fprintf(stderr, "usage: %s teacher|greedy MODEL IDS [N] | dequant TYPE IN OUT N\n", argv[0]); return 2; }
    const std::string mode = argv[1];
    if (mode == "dequant") return dequant(atoi(argv[2]), argv[3], argv[4], atoll(argv[5]));
    if (mode == "quant") return quant(atoi(argv[2]), argv[3], argv[4], atoll(argv[5]), atoll(argv[6]));
    llama_log_set(quiet, nullptr);
    llama_backend_init();
    llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    if (getenv("GLASSBOX_NO_REPACK")) mp.use_extra_bufts = false; // plain (not repacked) CPU kernels
    llama_model * model = llama_model_load_from_file(argv[2], mp);
    if (!model) { fprintf(stderr, "cannot load %s\n", argv[2]); return 1; }
    const llama_vocab * vocab = llama_model_get_vocab(model);
    const int n_vocab = llama_vocab_n_tokens(vocab);
    std::vector<llama_token> ids = parse_ids(argv[3]);
    const int n_gen = argc > 4 ? atoi(argv[4]) : 0;

    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = (uint32_t) (ids.size() + n_gen + 8);
    cp.n_batch = cp.n_ctx;
    cp.n_ubatch = getenv("GLASSBOX_UBATCH") ? (uint32_t) atoi(getenv("GLASSBOX_UBATCH")) : cp.n_ctx;
    cp.n_threads = 1;
    cp.n_threads_batch = 1;
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    cp.type_k = GGML_TYPE_F32; // llama.cpp's default KV cache is f16; compare against exact keys and values
    cp.type_v = GGML_TYPE_F32;
    llama_context * ctx = llama_init_from_model(model, cp);
    if (!ctx) { fprintf(stderr, "cannot create context\n"); return 1; }

    llama_batch batch = llama_batch_init((int32_t) cp.n_ctx, 0, 1);
    auto submit = [&](const std::vector<llama_token> & toks, int pos0, bool all_logits) {
        batch.n_tokens = 0;
        for (size_t i = 0; i < toks.size(); i++) {
            batch.token[i] = toks[i];
            batch.pos[i] = pos0 + (int) i;
            batch.n_seq_id[i] = 1;
            batch.seq_id[i][0] = 0;
            batch.logits[i] = all_logits || i + 1 == toks.size();
            batch.n_tokens++;
        }
        if (llama_decode(ctx, batch) != 0) { fprintf(stderr, "llama_decode failed\n"); exit(1); }
    };

    if (mode == "teacher") {
        submit(ids, 0, true);
        printf("{\"logits\":[");
        for (size_t i = 0; i < ids.size(); i++) {
            const float * row = llama_get_logits_ith(ctx, (int32_t) i);
            printf(i ? ",[" : "[");
            for (int v = 0; v < n_vocab; v++) printf(v ? ",%.9g" : "%.9g", row[v]);
            printf("]");
        }
        printf("]}\n");
    } else {
        submit(ids, 0, false);
        int pos = (int) ids.size();
        printf("{\"ids\":[");
        for (int step = 0; step < n_gen; step++) {
            const float * row = llama_get_logits_ith(ctx, -1);
            int best = 0;
            for (int v = 1; v < n_vocab; v++) if (row[v] > row[best]) best = v;
            if (llama_vocab_is_eog(vocab, best)) break;
            printf(step ? ",%d" : "%d", best);
            submit({best}, pos++, false);
        }
        printf("]}\n");
    }
    llama_batch_free(batch);
    llama_free(ctx);
    llama_model_free(model);
    return 0;
}
