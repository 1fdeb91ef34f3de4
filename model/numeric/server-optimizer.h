/*
 * Server-side optimizers on the aggregated client update (FedOpt,
 * Reddi et al., "Adaptive Federated Optimization", ICLR 2021, Algorithm 2).
 *
 * Delta = the aggregate, the server's estimate of the clients' mean update
 * (w_k - w). The pseudo-gradient is -Delta, so every rule below moves w along
 * +Delta:
 *
 *   fedavg:   w <- w + lr Delta                          (McMahan et al. 2017;
 *                                                          lr = 1 is plain FedAvg)
 *   fedavgm:  v <- momentum v + Delta ;  w <- w + lr v    (Hsu et al. 2019, heavy ball
 *                                                          on the pseudo-gradient)
 *   fedadam:  m <- b1 m + (1 - b1) Delta
 *             v <- b2 v + (1 - b2) Delta^2
 *             w <- w + lr m / (sqrt(v) + tau)
 *   fedyogi:  m as fedadam
 *             v <- v - (1 - b2) Delta^2 sign(v - Delta^2)  (Zaheer et al. 2018)
 *             w <- w + lr m / (sqrt(v) + tau)
 *
 * As in Reddi et al.'s Algorithm 2, fedadam and fedyogi have NO bias
 * correction; tau (the "adaptivity" constant) bounds the first steps instead.
 * Initial state, following Algorithm 2's input "v_{-1} >= tau^2" with its
 * smallest allowed value: m_{-1} = 0, v_{-1} = tau^2 (per coordinate);
 * fedavgm starts from v = 0. State is allocated on the first Apply (O(D)
 * floats: one vector for fedavgm, two for fedadam/fedyogi, none for fedavg)
 * and kept across rounds.
 */
#ifndef WFL_SERVER_OPTIMIZER_H
#define WFL_SERVER_OPTIMIZER_H

#include <Eigen/Dense>

#include <cstdint>
#include <string>

namespace wfl
{

struct ServerOptimizerSpec
{
    std::string kind = "fedavg"; ///< fedavg | fedavgm | fedadam | fedyogi (server.optimizer)
    double learningRate = 1.0;   ///< (0, 100]          (server.lr)
    double momentum = 0.9;       ///< [0, 1), fedavgm   (server.momentum)
    double beta1 = 0.9;          ///< [0, 1)            (server.beta1)
    double beta2 = 0.99;         ///< [0, 1)            (server.beta2)
    double tau = 1e-3;           ///< (0, 1]            (server.tau)
};

/// The server's model update; one instance per run (it keeps state across rounds).
class ServerOptimizer
{
  public:
    /// @throws InputError if Validate(spec) does.
    explicit ServerOptimizer(const ServerOptimizerSpec& spec);

    /**
     * Checks every field of `spec`; the message names the scenario key and
     * its accepted range or values.
     * @throws InputError on the first bad field.
     */
    static void Validate(const ServerOptimizerSpec& spec);

    /**
     * One server step: `global` += the rule's step for `aggregate` (the mean
     * client delta w_k - w). Allocates state on the first call only.
     * @throws std::invalid_argument if the size differs from earlier calls.
     */
    void Apply(Eigen::VectorXf& global, const Eigen::VectorXf& aggregate);

    /// Forget the state (the next Apply starts from m = 0, v = tau^2 / 0).
    void Reset();

    const ServerOptimizerSpec& Spec() const
    {
        return m_spec;
    }

    /// Rounds applied since construction or Reset().
    int64_t Rounds() const
    {
        return m_rounds;
    }

    /// fedavgm: the velocity v; fedadam/fedyogi: the first moment m; else empty.
    const Eigen::VectorXf& FirstState() const
    {
        return m_first;
    }

    /// fedadam/fedyogi: the second moment v; else empty.
    const Eigen::VectorXf& SecondState() const
    {
        return m_second;
    }

  private:
    enum class Kind
    {
        FedAvg,
        FedAvgM,
        FedAdam,
        FedYogi
    };

    ServerOptimizerSpec m_spec;
    Kind m_kind = Kind::FedAvg;
    int64_t m_rounds = 0;
    Eigen::Index m_size = -1; ///< -1 until the first Apply
    Eigen::VectorXf m_first;
    Eigen::VectorXf m_second;
};

} // namespace wfl

#endif
