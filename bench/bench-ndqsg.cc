/*
 * How often NDQSG's side-information decoding fails on real gradients, and
 * what it costs (issue 10, methods.md 3.3 and 9.5).
 *
 * Fashion-MNIST, MLP 784-200-10 (float). The model is trained centrally
 * (plain SGD, lr 0.1, batch 200) and at a few checkpoints we take, for
 * `rounds` rounds, one batch of 200 split evenly over P clients (the
 * author's fixed total batch), compute each client's gradient g_k, and
 * decode one NDQSG round (by default Q1 = 3, rho = 3, bucket 512, the first
 * half of the clients fine). Printed per checkpoint: the clients' relative spread
 * r = mean_k ||g_k - g_bar|| / ||g_bar||, the wrong-coset rate among the
 * nested entries, the share of nested messages with a failure, the NMSE
 * ||g_hat - g_bar||^2 / ||g_bar||^2 of the estimate and of the failure-free
 * estimate, bits per coordinate of NDQSG, and for reference DQSG at Q = 2
 * (the nearest plain rate, log2 5 + 32/512 = 2.38 bits): its NMSE.
 *
 * Usage: bench-ndqsg [DATA_DIR] [P] [Q1] [RHO]   (defaults: the packaged data, 8, 3, 3)
 */
#include "dataset.h"
#include "dqsg-compressor.h"
#include "model.h"
#include "ndqsg-compressor.h"
#include "random.h"

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace
{

struct Batch
{
    Eigen::MatrixXf x;
    std::vector<int> labels;
};

Batch
TakeBatch(const wfl::Dataset& data, Eigen::Index start, Eigen::Index count)
{
    Batch b;
    data.CopyColumns(start, count, b.x);
    b.labels.assign(data.labels.begin() + start, data.labels.begin() + start + count);
    return b;
}

} // namespace

int
main(int argc, char** argv)
{
    const std::string dir = argc > 1 ? argv[1] : wfl::kDefaultFashionMnistDir;
    const uint32_t clients = argc > 2 ? static_cast<uint32_t>(std::stoul(argv[2])) : 8;
    const int32_t levels = argc > 3 ? std::stoi(argv[3]) : 3;
    const int32_t rho = argc > 4 ? std::stoi(argv[4]) : 3;
    const Eigen::Index total = 200;
    const Eigen::Index perClient = total / clients;
    const int rounds = 10;

    const wfl::TrainTestData data = wfl::LoadFashionMnist(dir);
    auto model = wfl::MakeModel<float>(wfl::ModelSpec{"mlp", {200}, {}}, 784, 10);
    Eigen::VectorXf params(model->NumParams());
    wfl::Rng init(1, "bench-ndqsg-init");
    model->Initialize(params, init);
    const size_t n = static_cast<size_t>(params.size());
    const wfl::NdqsgCompressor ndqsg({levels, rho, 512, 0.5, clients});
    const wfl::DqsgCompressor dqsg({2, 512});

    std::printf("NDQSG on Fashion-MNIST MLP 784-200-10 gradients: P = %u, batch %ld each, Q1 = %d, rho = %d, bucket 512\n",
                clients, static_cast<long>(perClient), levels, rho);
    std::printf("%6s %8s %11s %10s %11s %11s %9s %11s\n", "step", "r", "fail_rate", "msg_fail", "nmse", "nmse_nofail",
                "bits_nd", "nmse_dqsg2");
    Eigen::Index cursor = 0;
    int step = 0;
    Eigen::VectorXf grad;
    for (const int checkpoint : {0, 50, 300, 1500})
    {
        for (; step < checkpoint; ++step) // central SGD up to the checkpoint
        {
            const Batch b = TakeBatch(data.train, cursor, total);
            cursor = (cursor + total) % (data.train.Count() - total);
            model->LossAndGradient(params, b.x, b.labels, grad);
            params -= 0.1F * grad;
        }
        double spread = 0.0, wrong = 0.0, entries = 0.0, failed = 0.0, nmse = 0.0, nmseFree = 0.0, bits = 0.0;
        double nested = 0.0;
        double nmseDqsg = 0.0;
        for (int r = 0; r < rounds; ++r)
        {
            std::vector<Eigen::VectorXf> g(clients);
            Eigen::VectorXd mean = Eigen::VectorXd::Zero(params.size());
            for (uint32_t k = 0; k < clients; ++k)
            {
                const Batch b = TakeBatch(data.train, cursor + k * perClient, perClient);
                model->LossAndGradient(params, b.x, b.labels, g[k]);
                mean += g[k].cast<double>() / clients;
            }
            cursor = (cursor + total) % (data.train.Count() - total);
            auto decoder = ndqsg.NewRoundDecoder(n);
            auto plain = dqsg.NewRoundDecoder(n);
            for (uint32_t k = 0; k < clients; ++k)
            {
                spread += (g[k].cast<double>() - mean).norm() / mean.norm() / (rounds * clients);
                wfl::CompressionContext c;
                c.seed = 3;
                c.round = static_cast<uint32_t>(checkpoint * rounds + r);
                c.client = k;
                const wfl::CompressedMessage m = ndqsg.Encode(g[k].data(), n, c, nullptr);
                bits += m.bitsRaw / (static_cast<double>(n) * clients * rounds);
                decoder->Add(m, 1.0, c);
                plain->Add(dqsg.Encode(g[k].data(), n, c, nullptr), 1.0, c);
            }
            const Eigen::VectorXf estimate = decoder->Finish();
            nmseDqsg += (plain->Finish().cast<double>() - mean).squaredNorm() / mean.squaredNorm() / rounds;
            const auto& nd = dynamic_cast<const wfl::NdqsgRoundDecoder&>(*decoder);
            wrong += static_cast<double>(nd.Stats().wrongCosets);
            entries += static_cast<double>(nd.Stats().nestedEntries);
            failed += static_cast<double>(nd.Stats().messagesWithFailure);
            nested += static_cast<double>(nd.Stats().nestedMessages);
            nmse += (estimate.cast<double>() - mean).squaredNorm() / mean.squaredNorm() / rounds;
            nmseFree += (nd.FailureFreeEstimate().cast<double>() - mean).squaredNorm() / mean.squaredNorm() / rounds;
        }
        std::printf("%6d %8.3f %11.3e %10.2f %11.4e %11.4e %9.3f %11.4e\n", checkpoint, spread, wrong / entries,
                    failed / nested, nmse, nmseFree, bits, nmseDqsg);
    }
    return 0;
}
