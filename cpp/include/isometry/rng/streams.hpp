#pragma once
// The table of Philox stream ids. A stream id goes into counter word 3, a substream (usually the
// layer index, 0-based) into word 2, so no two uses of one seed ever share random numbers.
// Ids are part of the reproducibility contract: never renumber, only append.
//
//   id  name                 what it draws                                    substream
//   --  -------------------  -----------------------------------------------  ------------
//    1  kGaussianSampler     isometry.gaussian(n, m): entry (i, j) is element  0
//                            i·m + j (row-major)
//    2  kHaarSampler         isometry.haar_orthogonal(n, m): reflector j uses  0
//                            elements j·n + i, i = j..n-1 (see haar.hpp)
//    3  kLayerGaussian       jacobian_spectrum Gaussian weights W_l, entry     l - 1
//                            (i, j) is element j·N + i (column-major)
//    4  kLayerOrthogonal     jacobian_spectrum orthogonal W_l, drawn exactly   l - 1
//                            as kHaarSampler
//    5  kLayerBias           bias b_l, element i                               l - 1
//    6  kNetworkInput        input direction x_0, element i                    0
//    7  kReluChain           (numpy Philox4x64 keyed seed + 2^64·7, not this  -
//                            generator) isometry.theory.sample_relu_chain
//    8  kReluNetwork         (numpy Philox4x64 keyed seed + 2^64·8)            -
//                            isometry.relu_network.relu_network_norms
//    9  kTrainingShuffle     isometry.training minibatch order: example i of   epoch
//                            the epoch gets key element i; the epoch's order
//                            is the stable argsort of the keys
//   10  kSyntheticData       isometry.training synthetic tasks (teacher and    task-specific
//                            inputs); see isometry/training/synthetic.py       (documented there)
//   11  kLanczosProbe        matrix-free spectra: start vector of probe p,     p
//                            element i (Rademacher: bit i of the sign words,
//                            see signs.hpp; Gaussian: normal element i)
//   12  kStructuredSigns     structured orthogonal W_l = σ_w H S_B ... H S_1:  l - 1
//                            sign i of S_d (d = 1..B) is sign element
//                            (d - 1)·N + i (see signs.hpp)
#include <cstdint>

namespace isometry::rng {

enum Stream : std::uint32_t {
    kGaussianSampler = 1,
    kHaarSampler = 2,
    kLayerGaussian = 3,
    kLayerOrthogonal = 4,
    kLayerBias = 5,
    kNetworkInput = 6,
    kReluChain = 7,
    kReluNetwork = 8,
    kTrainingShuffle = 9,
    kSyntheticData = 10,
    kLanczosProbe = 11,
    kStructuredSigns = 12,
};

// Where a draw comes from: one (seed, stream, substream) triple.
struct StreamId {
    std::uint64_t seed;
    std::uint32_t stream;
    std::uint32_t substream;
};

}  // namespace isometry::rng
