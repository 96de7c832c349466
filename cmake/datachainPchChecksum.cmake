# cmake -DPCH=<file> -P datachainPchChecksum.cmake: writes <file>.sum, the MD5
# of the precompiled header <file>. With CCACHE_PCH_EXTSUM set, ccache hashes
# that small file instead of the header (260 MB with g++) for every file that
# uses it (tests/CMakeLists.txt, DATACHAIN_TEST_PCH).
file(MD5 "${PCH}" _sum)
file(WRITE "${PCH}.sum" "${_sum}\n")
