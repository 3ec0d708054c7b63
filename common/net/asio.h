#pragma once
// Include Asio only through this header. Boost 1.74's awaitable.hpp uses std::exchange
// without including <utility> and fails with g++ 12 (fixed upstream in asio 7ae347e1f).

#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

namespace ferry {
namespace asio = boost::asio;
using tcp = boost::asio::ip::tcp;
}  // namespace ferry
