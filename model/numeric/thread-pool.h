/*
 * A fixed pool of worker threads for data-parallel loops.
 *
 * ParallelFor hands out indices dynamically, but every index writes only its
 * own output and draws only from its own random stream, so results are the
 * same for any number of threads and any scheduling order.
 */
#ifndef WFL_THREAD_POOL_H
#define WFL_THREAD_POOL_H

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace wfl
{

class ThreadPool
{
  public:
    /// @param threads workers including the caller; 0 = hardware concurrency.
    explicit ThreadPool(unsigned threads);
    ~ThreadPool();

    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    unsigned Size() const
    {
        return m_size;
    }

    /// Run body(index, worker) for index in [0, count); worker < Size() names
    /// the thread, for per-thread scratch. Returns when all are done;
    /// rethrows the first exception a body threw.
    void ParallelFor(size_t count, const std::function<void(size_t, unsigned)>& body);

  private:
    void WorkerLoop(unsigned worker);
    void RunShare(unsigned worker);

    unsigned m_size;
    std::vector<std::thread> m_threads;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_done;
    const std::function<void(size_t, unsigned)>* m_body = nullptr;
    size_t m_count = 0;
    size_t m_next = 0;
    unsigned m_busy = 0;
    uint64_t m_generation = 0;
    bool m_stop = false;
    std::exception_ptr m_error;
};

} // namespace wfl

#endif
