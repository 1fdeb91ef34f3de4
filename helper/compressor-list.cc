/*
 * The built-in compressors: one registration each (compressor-registry.h).
 * Adding a compressor is adding its header and one entry here; its keys,
 * their defaults (from its Params), ranges and help then appear in
 * wfl-run --help, scenarios, the command line, the stored configuration and
 * wfl-compress.
 *
 * One key name per meaning across schemes: bucket (entries per 32-bit scale),
 * levels (quantization levels per sign), ratio (share of entries or
 * measurements kept), rank, feedback (error feedback; a flag, or QCS's three
 * forms), beta. NDQSG's rho (coarse step / fine step, an integer) is not a
 * share kept, so it is coarse-ratio, not ratio. Its client count P is a fact
 * of the run (data.clients), passed as CompressorRunFacts, not a key.
 */
#include "compressor-registry.h"
#include "dqsg-compressor.h"
#include "ef-sign-compressor.h"
#include "isgq-compressor.h"
#include "isgq-lloyd-max-compressor.h"
#include "ndqsg-compressor.h"
#include "powersgd-compressor.h"
#include "qcs-compressor.h"
#include "qsgd-compressor.h"
#include "random-sparsification-compressor.h"
#include "signsgd-compressor.h"
#include "terngrad-compressor.h"
#include "topk-compressor.h"

#include <cmath>

namespace wfl
{
namespace
{

constexpr uint64_t kMaxBucket = 16777216; // 2^24 entries
constexpr uint64_t kMaxLevels = 32767;

/// When clients send dense-layer factors (CompressorRunFacts::factors).
constexpr const char* kFactorsSent = "FedSGD (learner.local-epochs = 0, learner.local-steps = 1, learner.optimizer "
                                     "sgd or momentum, learner.weight-decay = 0: clients send dense-layer factors)";
constexpr const char* kFactorDeciders = "learner.local-epochs learner.local-steps learner.optimizer learner.weight-decay";

CompressorRegistration
Qsgd()
{
    using P = QsgdCompressor::Params;
    return Register<QsgdCompressor>(
        "qsgd", "QSGD: stochastic rounding to s levels of |g_i| / bucket norm (unbiased)",
        {UnsignedParam("bucket", "coordinates", 0, kMaxBucket, &P::bucket,
                       "entries per bucket, each with its own 32-bit norm (0 = one bucket)"),
         UnsignedParam("levels", "levels", 0, 1048576, &P::levels,
                       "levels s per sign; 0 = the most the bit budget fits; with a budget, at most that"),
         ChoiceParam("norm", std::vector<std::pair<std::string, QuantizerNorm>>{{"l2", QuantizerNorm::L2},
                                                                                {"linf", QuantizerNorm::LINF}},
                     &P::norm, "the norm each bucket is scaled by")});
}

CompressorRegistration
TernGrad()
{
    using P = TernGradCompressor::Params;
    return Register<TernGradCompressor>(
        "terngrad", "TernGrad: unbiased stochastic ternary {-s, 0, s} with s = max |g_i| per bucket",
        {UnsignedParam("bucket", "coordinates", 0, kMaxBucket, &P::bucket,
                       "entries per 32-bit scale (0 = one scale per tensor of the layout)"),
         RealParam("clip", "sigma", 0.0, 1e6, false, &P::clip,
                   "clip at clip x std dev before ternarizing (0 = no clipping, unbiased)")});
}

CompressorRegistration
SignSgd()
{
    using P = SignSgdCompressor::Params;
    return Register<SignSgdCompressor>(
        "signsgd", "signSGD with majority vote: one sign bit per entry, the server sends the vote",
        {RealParam("step", "", 0.0, 1e30, false, &P::step,
                   "server step of the vote in update units (0 = the clients' mean |g| per tensor, "
                   "32 bits per tensor and client)"),
         FlagParam("weighted", &P::weighted, "weight the votes by the aggregation weights (false = one vote each)")});
}

CompressorRegistration
EfSign()
{
    using P = EfSignCompressor::Params;
    return Register<EfSignCompressor>(
        "ef-sign", "EF-SGD: scaled sign (mean |g| per bucket) with error feedback",
        {UnsignedParam("bucket", "coordinates", 0, kMaxBucket, &P::bucket,
                       "entries per 32-bit scale (0 = one scale per tensor of the layout)"),
         FlagParam("feedback", &P::feedback, "keep the error-feedback residual (false = scaled sign alone)")});
}

CompressorRegistration
TopK()
{
    using P = TopKCompressor::Params;
    return Register<TopKCompressor>(
        "topk", "top-k: the k largest |g_i| with their positions, memory of the rest",
        {RealParam("ratio", "", 0.0, 1.0, true, &P::ratio, "share of entries kept, k / D"),
         FlagParam("feedback", &P::feedback, "keep the memory of the unsent entries")});
}

CompressorRegistration
RandomSparsification()
{
    using P = RandomSparsificationCompressor::Params;
    return Register<RandomSparsificationCompressor>(
        "random-sparsification", "random sparsification: k shared-random entries scaled by D / k (unbiased)",
        {RealParam("ratio", "", 0.0, 1.0, true, &P::ratio, "share of entries kept, k / D")});
}

CompressorRegistration
PowerSgd()
{
    using P = PowerSgdCompressor::Params;
    return Register<PowerSgdCompressor>(
        "powersgd", "PowerSGD: rank-r factors per layer matrix, warm start, error feedback",
        {UnsignedParam("rank", "", 1, 1024, &P::rank, "rank r of each layer matrix's approximation"),
         FlagParam("feedback", &P::feedback, "keep the error-feedback residual")});
}

CompressorRegistration
Dqsg()
{
    using P = DqsgCompressor::Params;
    return Register<DqsgCompressor>(
        "dqsg", "DQSG: subtractive dithered quantization to 2Q+1 levels, bucket max-norm scale",
        {UnsignedParam("levels", "levels", 0, kMaxLevels, &P::levels,
                       "Q, symbols in [-Q, Q] (0 = the unbiased one-bit form)"),
         UnsignedParam("bucket", "coordinates", 1, kMaxBucket, &P::bucket, "entries per 32-bit max-norm scale")});
}

CompressorRegistration
Ndqsg()
{
    using P = NdqsgCompressor::Params;
    return Register<NdqsgCompressor>(
        "ndqsg",
        "NDQSG: nested dithered quantization decoded with the already-decoded clients' average as side information",
        {UnsignedParam("levels", "levels", 1, kMaxLevels, &P::levels, "Q1, fine symbols in [-Q1, Q1]"),
         // Inert when every client sends fine (ceil(fine-fraction P) >= P).
         OnlyIf(UnsignedParam("coarse-ratio", "", 2, 65535, &P::ratio,
                              "rho = coarse step / fine step, at most 2 levels + 1"),
                "compression.fine-fraction <= 1 - 1 / data.clients (some client nested)",
                "fine-fraction data.clients",
                [](const P& p, const CompressorRunFacts&) {
                    return std::ceil(p.fineFraction * p.clients) < static_cast<double>(p.clients);
                }),
         UnsignedParam("bucket", "coordinates", 1, kMaxBucket, &P::bucket, "entries per 32-bit max-norm scale"),
         RealParam("fine-fraction", "", 0.0, 1.0, false, &P::fineFraction,
                   "share of the run's clients (data.clients, lowest indices) that send fine only")},
        [](const CompressorRunFacts& run, P& p) { p.clients = run.clients; });
}

CompressorRegistration
Isgq()
{
    using P = IsgqCompressor::Params;
    return Register<IsgqCompressor>(
        "isgq",
        "ISGQ: dithered quantization of a dense layer's gradient factors X and Delta (FedSGD: learner.local-steps "
        "= 1, local-epochs = 0); other tensors directly",
        {UnsignedParam("levels", "levels", 1, kMaxLevels, &P::levels, "Q, symbols in [-Q, Q] (+ zero)"),
         UnsignedParam("bucket", "coordinates", 1, kMaxBucket, &P::bucket, "entries per 32-bit max-norm scale"),
         // Both act only on factored layers: without factors ISGQ is direct dithered quantization.
         OnlyIf(FlagParam("zero-symbol", &P::zeroSymbol, "exact zeros as their own symbol"), kFactorsSent,
                kFactorDeciders, [](const P&, const CompressorRunFacts& run) { return run.factors; }),
         OnlyIf(FlagParam("always-factor", &P::alwaysFactor, "factor every dense layer, even where direct is cheaper"),
                kFactorsSent, kFactorDeciders, [](const P&, const CompressorRunFacts& run) { return run.factors; })});
}

CompressorRegistration
IsgqLloydMax()
{
    using P = IsgqLloydMaxCompressor::Params;
    using M = IsgqLloydMaxMethod;
    const std::vector<std::pair<std::string, LloydMaxModel>> models{{"sn", LloydMaxModel::SparseNormal},
                                                                    {"sfn", LloydMaxModel::SparseFoldedNormal},
                                                                    {"u", LloydMaxModel::Uniform},
                                                                    {"su", LloydMaxModel::SparseUniform}};
    const auto factorsSent = [](const P&, const CompressorRunFacts& run) { return run.factors; };
    return Register<IsgqLloydMaxCompressor>(
        "isgq-lloyd-max",
        "deterministic ISGQ: Lloyd-Max quantization of a dense layer's gradient factors X and Delta, codebooks "
        "optionally fitted to G (FedSGD); other tensors directly",
        {UnsignedParam("levels", "levels", IsgqLloydMaxCompressor::kMinLevels, kLloydMaxMaxLevels, &P::levels,
                       "L Lloyd-Max points per factor (+ the zero symbol); the budget may lower it"),
         // The models and the method act only on factored layers (direct tensors: sn, naive).
         OnlyIf(ChoiceParam("input-model", models, &P::inputModel,
                            "model of X's non-zeros at unit mean square (sfn: post-ReLU)"),
                kFactorsSent, kFactorDeciders, factorsSent),
         OnlyIf(ChoiceParam("error-model", models, &P::errorModel, "model of Delta's non-zeros at unit mean square"),
                kFactorsSent, kFactorDeciders, factorsSent),
         OnlyIf(ChoiceParam("method", std::vector<std::pair<std::string, M>>{{"naive", M::Naive},
                                                                              {"mv", M::Mv},
                                                                              {"mvu", M::Mvu}},
                            &P::method,
                            "codebooks: the models' (naive), least-squares fit to G (mv), the same with "
                            "sum(G - G_hat) = 0 (mvu)"),
                kFactorsSent, kFactorDeciders, factorsSent),
         OnlyIf(FlagParam("always-factor", &P::alwaysFactor, "factor every dense layer, even where direct is cheaper"),
                kFactorsSent, kFactorDeciders, factorsSent)});
}

CompressorRegistration
Qcs()
{
    using P = QcsCompressor::Params;
    using R = QcsCompressor::Reconstruction;
    using F = QcsCompressor::Feedback;
    return Register<QcsCompressor>(
        "qcs", "QCS: bucketed (1/sqrt k) H_k R measurements, dithered to 2Q+1 levels",
        {UnsignedParam("bucket", "coordinates", 2, kMaxBucket, &P::bucket,
                       "transform length n, a power of two (zero-padded)"),
         RealParam("ratio", "", 0.0, 1.0, true, &P::ratio, "measurements per entry k / n"),
         UnsignedParam("levels", "levels", 0, kMaxLevels, &P::levels, "Q: 2Q+1 levels (0 = one bit per measurement)"),
         ChoiceParam("reconstruction", std::vector<std::pair<std::string, R>>{{"unbiased", R::Unbiased},
                                                                              {"mmse", R::Mmse}},
                     &P::reconstruction, "alpha = 1 (unbiased) or 1 / (1 + gamma) (minimum MSE)"),
         ChoiceParam("feedback", std::vector<std::pair<std::string, F>>{{"none", F::None},
                                                                        {"weighted", F::Weighted},
                                                                        {"unit", F::Unit}},
                     &P::feedback, "error feedback: none, weighted by compression.beta, or beta = 1"),
         OnlyIf(RealParam("beta", "", 0.0, 1.0, false, &P::beta,
                          "weighted feedback's beta (0 = the optimum 1/(1+gamma) unbiased, 1 mmse)"),
                "compression.feedback = weighted", "feedback",
                [](const P& p, const CompressorRunFacts&) { return p.feedback == F::Weighted; })});
}

} // namespace

std::vector<CompressorRegistration>
BuiltInCompressors()
{
    return {Qsgd(), TernGrad(), SignSgd(), EfSign(), TopK(), RandomSparsification(),
            PowerSgd(), Dqsg(), Ndqsg(), Isgq(), IsgqLloydMax(), Qcs()};
}

} // namespace wfl
