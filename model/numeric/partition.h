/*
 * Splitting a training set among clients.
 */
#ifndef WFL_PARTITION_H
#define WFL_PARTITION_H

#include <vector>

namespace wfl
{

class Rng;

/// partition[k] holds the sample indices of client k.
using Partition = std::vector<std::vector<int>>;

/**
 * IID split of `count` samples among `clients`. With sizeSigma = 0 sizes differ
 * by at most one; otherwise client shares are log-normal(0, sizeSigma)
 * (unequal sizes, labels still IID). Every client gets at least one sample.
 */
Partition PartitionIid(int count, int clients, double sizeSigma, Rng& rng);

/**
 * Label-skewed split: for every class, its samples are divided among the
 * clients in proportions drawn from Dirichlet(alpha, ..., alpha)
 * (Hsu et al. 2019). Small alpha gives clients few classes. Draws again until
 * every client has at least minSamples samples.
 * @throws InputError (key data.dirichlet-alpha) when that cannot be reached.
 */
Partition PartitionDirichlet(const std::vector<int>& labels,
                             int numClasses,
                             int clients,
                             double alpha,
                             int minSamples,
                             Rng& rng);

} // namespace wfl

#endif
