// Sample compile-fail test: proves the compile_fail machinery itself (the
// compiler must fail AND print the message). It includes no datachain header.
template <class T>
inline constexpr bool false_v = false;

template <class T>
void must_not_instantiate() {
    static_assert(false_v<T>, "datachain sample: this must fail");
}

int main() { must_not_instantiate<int>(); }
