// The one translation unit that compiles Boost.URL (header-only mode).
#include <boost/url/src.hpp>
