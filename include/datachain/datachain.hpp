// datachain-cpp umbrella header: includes the whole public API.
#pragma once
#include <datachain/version.hpp>
