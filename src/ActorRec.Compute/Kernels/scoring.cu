// ActorRec scoring kernels, compiled at start-up by NVRTC for the device's compute capability.
// No headers: NVRTC compiles this file on its own; half/bfloat16 conversions are written out with PTX cvt
// instructions and bit arithmetic so that no toolkit include directory is needed at run time.
//
// Layouts (all row-major):
//   table   rows x dim, stored as float, half (f16) or bfloat16 (bf16) bits
//   queries B x dim float;  scores B x C float;  rows: int row index per candidate
//
// score_shared_*   scores[b, c] = dot(queries[b], table[rows[c]])   (rows == nullptr: rows[c] = c, a full scan)
//   Tiled like a GEMM: a block computes a 32-query x 32-candidate tile, staging 32-wide slices of the dimension
//   for both operands in shared memory; each candidate slice is read from global memory once per query tile and
//   reused by 32 queries, so large batches do not re-read candidates per query.
// score_gathered_* scores[b, c] = dot(queries[b], table[rows[b * C + c]])   (rows == nullptr: row c)
//   One warp per (query, candidate) pair; lanes stride over the dimension, then a shuffle reduction.
//   Also used for shared scoring with a single query (the top-K scan), where the 32-query tile would idle.
// gemm_bias_act    C = act(A * B + bias); the same 32x32 tiling. act: 0 none, 1 relu, 2 sigmoid.
// bias_act         C = act(C + bias) in place (after a cuBLAS GEMM).
// scatter_rows_*   table[row_ids[i]] = convert(staged[i]) for incremental uploads of changed rows.
// copy_f4          dst = src, float4 at a time: the device-bandwidth probe.

typedef unsigned short u16;

struct f16 { u16 bits; };
struct bf16 { u16 bits; };

__device__ __forceinline__ float to_float(float v) { return v; }
__device__ __forceinline__ float to_float(f16 v)
{
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(v.bits));
    return f;
}
__device__ __forceinline__ float to_float(bf16 v) { return __uint_as_float(((unsigned int)v.bits) << 16); }

__device__ __forceinline__ void from_float(float v, float* out) { *out = v; }
__device__ __forceinline__ void from_float(float v, f16* out)
{
    u16 h;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(v));
    out->bits = h;
}
__device__ __forceinline__ void from_float(float v, bf16* out)
{
    unsigned int u = __float_as_uint(v);
    if ((u & 0x7fffffffu) > 0x7f800000u)
    {
        out->bits = (u16)((u >> 16) | 0x40u); // NaN stays a quiet NaN
        return;
    }
    u += 0x7fffu + ((u >> 16) & 1u); // round to nearest even
    out->bits = (u16)(u >> 16);
}

#define TILE 32
#define ROWS_PER_THREAD 4 // blockDim = (32, 8): each thread owns 4 rows of the 32x32 output tile

template <typename T>
__device__ void score_shared(const float* __restrict__ queries, int batch, int dim,
                             const T* __restrict__ table, const int* __restrict__ rows, int candidates,
                             float* __restrict__ scores)
{
    __shared__ float qs[TILE][TILE + 1];
    __shared__ float cs[TILE][TILE + 1];
    const int tx = threadIdx.x, ty = threadIdx.y;
    const int tid = ty * TILE + tx;
    const int c0 = blockIdx.x * TILE, b0 = blockIdx.y * TILE;
    float acc[ROWS_PER_THREAD] = {0.f, 0.f, 0.f, 0.f};

    for (int d0 = 0; d0 < dim; d0 += TILE)
    {
        for (int l = tid; l < TILE * TILE; l += TILE * 8)
        {
            const int r = l / TILE, d = l % TILE;
            const int b = b0 + r, c = c0 + r, dd = d0 + d;
            qs[r][d] = (b < batch && dd < dim) ? queries[(long long)b * dim + dd] : 0.f;
            float cv = 0.f;
            if (c < candidates && dd < dim)
            {
                const long long row = rows ? rows[c] : c;
                cv = to_float(table[row * dim + dd]);
            }
            cs[r][d] = cv;
        }
        __syncthreads();
#pragma unroll 8
        for (int d = 0; d < TILE; ++d)
        {
            const float cv = cs[tx][d];
#pragma unroll
            for (int j = 0; j < ROWS_PER_THREAD; ++j)
            {
                acc[j] = fmaf(qs[ty + 8 * j][d], cv, acc[j]);
            }
        }
        __syncthreads();
    }

    const int c = c0 + tx;
    if (c < candidates)
    {
#pragma unroll
        for (int j = 0; j < ROWS_PER_THREAD; ++j)
        {
            const int b = b0 + ty + 8 * j;
            if (b < batch)
            {
                scores[(long long)b * candidates + c] = acc[j];
            }
        }
    }
}

template <typename T>
__device__ void score_gathered(const float* __restrict__ queries, int batch, int dim,
                               const T* __restrict__ table, const int* __restrict__ rows, int per_query,
                               float* __restrict__ scores)
{
    const long long pair = (long long)blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32;
    const int lane = threadIdx.x % 32;
    if (pair >= (long long)batch * per_query)
    {
        return;
    }
    const long long b = pair / per_query;
    const float* q = queries + b * dim;
    const T* row = table + (rows ? (long long)rows[pair] : pair % per_query) * dim;
    float sum = 0.f;
    for (int d = lane; d < dim; d += 32)
    {
        sum = fmaf(q[d], to_float(row[d]), sum);
    }
    for (int offset = 16; offset > 0; offset /= 2)
    {
        sum += __shfl_down_sync(0xffffffffu, sum, offset);
    }
    if (lane == 0)
    {
        scores[pair] = sum;
    }
}

template <typename T>
__device__ void scatter_rows(const float* __restrict__ staged, const int* __restrict__ row_ids, int count, int dim,
                             T* __restrict__ table)
{
    const long long total = (long long)count * dim;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x)
    {
        const long long r = i / dim, d = i % dim;
        from_float(staged[i], &table[(long long)row_ids[r] * dim + d]);
    }
}

__device__ __forceinline__ float activate(float v, int act)
{
    if (act == 1) return v > 0.f ? v : 0.f;
    if (act == 2) return 1.f / (1.f + __expf(-v));
    return v;
}

extern "C" {

__global__ void score_shared_f32(const float* q, int batch, int dim, const float* t, const int* rows, int c, float* s) { score_shared<float>(q, batch, dim, t, rows, c, s); }
__global__ void score_shared_f16(const float* q, int batch, int dim, const f16* t, const int* rows, int c, float* s) { score_shared<f16>(q, batch, dim, t, rows, c, s); }
__global__ void score_shared_bf16(const float* q, int batch, int dim, const bf16* t, const int* rows, int c, float* s) { score_shared<bf16>(q, batch, dim, t, rows, c, s); }

__global__ void score_gathered_f32(const float* q, int batch, int dim, const float* t, const int* rows, int c, float* s) { score_gathered<float>(q, batch, dim, t, rows, c, s); }
__global__ void score_gathered_f16(const float* q, int batch, int dim, const f16* t, const int* rows, int c, float* s) { score_gathered<f16>(q, batch, dim, t, rows, c, s); }
__global__ void score_gathered_bf16(const float* q, int batch, int dim, const bf16* t, const int* rows, int c, float* s) { score_gathered<bf16>(q, batch, dim, t, rows, c, s); }

__global__ void scatter_rows_f32(const float* staged, const int* ids, int count, int dim, float* t) { scatter_rows<float>(staged, ids, count, dim, t); }
__global__ void scatter_rows_f16(const float* staged, const int* ids, int count, int dim, f16* t) { scatter_rows<f16>(staged, ids, count, dim, t); }
__global__ void scatter_rows_bf16(const float* staged, const int* ids, int count, int dim, bf16* t) { scatter_rows<bf16>(staged, ids, count, dim, t); }

__global__ void gemm_bias_act(const float* __restrict__ a, const float* __restrict__ b, const float* __restrict__ bias,
                              float* __restrict__ c, int m, int k, int n, int act)
{
    __shared__ float as[TILE][TILE + 1];
    __shared__ float bs[TILE][TILE + 1];
    const int tx = threadIdx.x, ty = threadIdx.y;
    const int tid = ty * TILE + tx;
    const int col0 = blockIdx.x * TILE, row0 = blockIdx.y * TILE;
    float acc[ROWS_PER_THREAD] = {0.f, 0.f, 0.f, 0.f};

    for (int p0 = 0; p0 < k; p0 += TILE)
    {
        for (int l = tid; l < TILE * TILE; l += TILE * 8)
        {
            const int r = l / TILE, x = l % TILE;
            const int ar = row0 + r, ap = p0 + x;  // A tile: rows of A, 32 consecutive k
            as[r][x] = (ar < m && ap < k) ? a[(long long)ar * k + ap] : 0.f;
            const int bp = p0 + r, bc = col0 + x;  // B tile: 32 consecutive columns of B
            bs[r][x] = (bp < k && bc < n) ? b[(long long)bp * n + bc] : 0.f;
        }
        __syncthreads();
#pragma unroll 8
        for (int p = 0; p < TILE; ++p)
        {
            const float bv = bs[p][tx];
#pragma unroll
            for (int j = 0; j < ROWS_PER_THREAD; ++j)
            {
                acc[j] = fmaf(as[ty + 8 * j][p], bv, acc[j]);
            }
        }
        __syncthreads();
    }

    const int col = col0 + tx;
    if (col < n)
    {
        const float bv = bias ? bias[col] : 0.f;
#pragma unroll
        for (int j = 0; j < ROWS_PER_THREAD; ++j)
        {
            const int row = row0 + ty + 8 * j;
            if (row < m)
            {
                c[(long long)row * n + col] = activate(acc[j] + bv, act);
            }
        }
    }
}

__global__ void bias_act(float* c, const float* bias, int m, int n, int act)
{
    const long long total = (long long)m * n;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x)
    {
        c[i] = activate(c[i] + (bias ? bias[i % n] : 0.f), act);
    }
}

__global__ void copy_f4(const float4* __restrict__ src, float4* __restrict__ dst, long long count)
{
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < count; i += (long long)gridDim.x * blockDim.x)
    {
        dst[i] = src[i];
    }
}

} // extern "C"
