/*
 * Starting assignment for a layer that has no incoming cross cost (the
 * first layer when the source holds the input): its neurons should be
 * grouped by the next-layer neurons they feed, which the forward sweeps
 * of InitialAssignments cannot see (from contiguous blocks they find the
 * blocks of a 2-way split but get stuck for K >= 3, tested).
 *
 * Spectral co-clustering (Ng, Jordan & Weiss 2001) on the affinity
 * A = C^T C of the layer's neurons, C_ri = c(V_ri) the next layer's weight
 * costs: the K leading eigenvectors of D^-1/2 A D^-1/2, rows normalised,
 * then balanced k-means (farthest-point start, each step a Hungarian
 * assignment of neurons to centroid slots under the capacities). For an
 * exactly block-diagonal V with connected blocks the rows of one block
 * coincide and different blocks are orthogonal, so the blocks are found.
 */
#ifndef WFL_REPURPOSE_SPECTRAL_H
#define WFL_REPURPOSE_SPECTRAL_H

#include <Eigen/Dense>

#include <vector>

namespace wfl
{

/**
 * @param nextCost elementwise cost C [next outputs x this layer's neurons], >= 0.
 * @param capacities neurons per worker (sums to nextCost.cols()).
 * @return worker of each neuron; deterministic in the inputs.
 */
std::vector<int> SpectralAssignment(const Eigen::MatrixXd& nextCost, const std::vector<int>& capacities);

} // namespace wfl

#endif
