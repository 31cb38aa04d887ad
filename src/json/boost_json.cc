// The one translation unit that compiles Boost.JSON (header-only mode): every
// other file includes <boost/json.hpp> and links pj_json.
#include <boost/json/src.hpp>
