/*
 * The state of one over-the-air round, built step by step by
 * OverTheAirAggregator::DoAggregate (private to the aggregator's sources).
 *
 * Memory: the per-client, per-block arrays below take
 * OverTheAirAggregator::kStateBytesPerClientBlock bytes per client and block
 * (dataEnergy, dataPeak: 8 each; fading, gains, precoders: 16 each), plus one
 * PowerDecision per block. The symbols themselves are not kept: with
 * thousands of clients they would take clients x D x 8 bytes. Encoding runs
 * twice instead (it is deterministic): once for the block statistics, once
 * to transmit.
 */
#ifndef WFL_OVER_THE_AIR_SLOT_H
#define WFL_OVER_THE_AIR_SLOT_H

#include "over-the-air-aggregator.h"
#include "random-linear-code.h"
#include "slot-budget.h"

#include <complex>
#include <memory>
#include <vector>

namespace wfl
{

struct OverTheAirAggregator::Slot
{
    Slot(size_t dataUses, size_t coherenceUses, bool pilot)
        : layout(dataUses, coherenceUses, pilot)
    {
    }

    std::unique_ptr<RandomLinearCode> code; ///< null for analog
    /// E||decoded noise||^2 per real symbol and unit per-real-symbol noise
    /// variance: D / (2 dataUses), since the decoder keeps D real coordinates
    /// (rlc: n/k on whole buckets, less for a partial last bucket).
    double noiseGainPerSymbol = 1.0;
    SlotLayout layout;
    SlotBudget uses;                        ///< data, pilot and feedback uses
    std::vector<double> weights;            ///< w_k over the mean scheduled weight
    bool equalWeights = true;               ///< all scheduled weights equal
    double minWeight = 1.0;                 ///< smallest scheduled w
    std::vector<double> updateNorm2;        ///< ||u_k||^2 (after clipping)
    std::vector<char> clipped;              ///< blind: ||w_k g_k|| was above G
    std::vector<std::vector<double>> dataEnergy; ///< sum |s_i|^2 over block b's data, per client
    std::vector<std::vector<double>> dataPeak;   ///< max |s_i| over block b's data, per client
    double transmitEncodeSeconds = 0.0;          ///< re-encoding time inside Transmit
    std::vector<std::vector<std::complex<double>>> fading; ///< f_kb
    std::vector<std::vector<std::complex<double>>> gains;  ///< h_kb, path loss included
    std::vector<double> pathLossDb;
    double feedbackEnergyJ = 0.0;           ///< each reporting client's report energy
    double dataBudgetJ = 0.0;               ///< energy budget left for data and pilot
    std::vector<double> pilotAmplitude;     ///< beta_b (0 without a pilot)
    std::vector<PowerDecision> decisions;   ///< per block
    std::vector<std::vector<std::complex<double>>> precoders; ///< p_kb
};

} // namespace wfl

#endif
